import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher, Pool } from 'undici';
import { Codes, SkError, type GatewaySeal, type WarnLog } from '@sk/http';
import type { Identity } from '@sk/identity';
import { GATEWAY_HEADER_PREFIX, GATEWAY_HEADERS, sealedFields } from '@sk/seckill';
import type { Tracing } from '@sk/tracing';
import type { HeaderMap, OutboundRequest, UpstreamResponse } from './outbound.js';
import type { Upstream, Upstreams } from './upstreams.js';

// Meaningful for one connection only (RFC 9110 §7.6.1).
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];
// Recomputed for the next hop (host, framing) or claims about the client only the gateway may make.
const NOT_FORWARDED_UP = new Set([
  ...HOP_BY_HOP,
  'host',
  'content-length',
  'expect',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
]);
const NOT_FORWARDED_DOWN = new Set([...HOP_BY_HOP, 'content-length']);
// Identity headers are the gateway's to set: whatever a client sends under these names is dropped.
const IDENTITY_PREFIXES = [GATEWAY_HEADER_PREFIX, 'x-user-'];

/**
 * The most header bytes (names and values) a client may send: what the gateway adds (client
 * address, identity, seal) must still fit under the upstreams' 16 KiB, whose parser would refuse it.
 */
export const MAX_CLIENT_HEADER_BYTES = 15 * 1024;

/** Whether the raw headers (name, value, name, value…) are more than MAX_CLIENT_HEADER_BYTES. */
export function headersTooLarge(rawHeaders: readonly string[]): boolean {
  let bytes = 0;
  for (const part of rawHeaders) bytes += part.length;
  return bytes > MAX_CLIENT_HEADER_BYTES;
}

/** The client's headers fit for an upstream, plus the client address and verified identity the gateway vouches for. */
export function upstreamRequestHeaders(
  client: IncomingHttpHeaders,
  context: { clientIp: string; identity?: Identity | undefined },
): HeaderMap {
  const headers = copyHeaders(client, (name) => NOT_FORWARDED_UP.has(name) || IDENTITY_PREFIXES.some((p) => name.startsWith(p)));
  headers[GATEWAY_HEADERS.clientIp] = context.clientIp;
  if (context.identity) {
    headers[GATEWAY_HEADERS.userId] = String(context.identity.userId);
    headers[GATEWAY_HEADERS.roles] = context.identity.roles.join(',');
  }
  return headers;
}

export function clientResponseHeaders(upstream: IncomingHttpHeaders): HeaderMap {
  return copyHeaders(upstream, (name) => NOT_FORWARDED_DOWN.has(name));
}

function copyHeaders(from: IncomingHttpHeaders, dropped: (name: string) => boolean): HeaderMap {
  // Headers named in Connection are hop-by-hop too.
  const named =
    typeof from.connection === 'string'
      ? from.connection
          .toLowerCase()
          .split(',')
          .map((t) => t.trim())
      : [];
  const out: HeaderMap = {};
  for (const [name, value] of Object.entries(from)) {
    if (value === undefined || dropped(name) || named.includes(name)) continue;
    out[name] = value;
  }
  return out;
}

// Failures where the request never left the gateway (refused, or held back by an open breaker),
// so another instance may take it whatever the method.
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'EOPENBREAKER']);

/**
 * A 5xx answer: a failure of the instance for its breaker ("failures of the system are 5xx",
 * CONTRACT §2), though still the answer the client gets unless it is a 500.
 */
export class UpstreamFailure extends Error {
  constructor(readonly response: UpstreamResponse) {
    super(`upstream answered ${response.status}`);
  }
}

/**
 * Sends a request over an instance's pool; rejects on a 5xx answer so its breaker counts it. A
 * bare dispatch handler collects the answer: undici's `request()` would wrap every answer in a
 * stream and an async resource, a sizeable share of a hop's cost at sale rates.
 */
export function sendOver(pool: Pool, request: OutboundRequest): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    let chunks: Buffer[] = [];
    pool.dispatch(
      {
        method: request.method as Dispatcher.HttpMethod,
        path: request.url,
        headers: request.headers,
        body: request.body ?? null,
        ...(request.timeoutMs ? { headersTimeout: request.timeoutMs, bodyTimeout: request.timeoutMs } : {}),
      },
      {
        // Present so undici takes this for a handler of its current API.
        onRequestStart() {},
        onResponseStart(_controller, statusCode, responseHeaders) {
          // An informational (1xx) head is followed by the real one.
          status = statusCode;
          headers = responseHeaders;
          chunks = [];
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          const response = {
            status,
            headers: clientResponseHeaders(headers),
            body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
          };
          if (status >= 500) reject(new UpstreamFailure(response));
          else resolve(response);
        },
        onResponseError(_controller, err) {
          reject(err);
        },
      },
    );
  });
}

/**
 * Forwards a request to an instance of a service through its breaker. An instance that refused
 * the connection, or whose breaker just refused, is skipped once for another one; any other
 * failure (timeout, reset, no instance left) is a 503/1111, and so is an upstream's 500, which
 * the contract never lets reach a client.
 */
export class Forwarder {
  constructor(
    private readonly upstreams: Upstreams,
    private readonly log: WarnLog,
    private readonly tracing?: Tracing,
    /** Seals every request it sends (the services behind refuse unsealed ones); none in tests of the gateway alone. */
    private readonly seal?: GatewaySeal,
  ) {}

  async forward(service: string, outbound: OutboundRequest): Promise<UpstreamResponse> {
    const request = this.seal ? sealed(this.seal, outbound) : outbound;
    let upstream = this.upstreams.pick(service);
    let retried = false;
    while (upstream) {
      try {
        return await this.attempt(service, upstream, request);
      } catch (err) {
        if (err instanceof UpstreamFailure && err.response.status !== 500) return err.response;
        this.log.warn({ service, instance: upstream.instance.id, err }, 'upstream request failed');
        if (retried || !NOT_SENT.has((err as { code?: string }).code ?? '')) break;
        retried = true;
        upstream = this.upstreams.pick(service, upstream.instance);
      }
    }
    throw new SkError(Codes.UPSTREAM_UNAVAILABLE, `${service} unavailable`);
  }

  /** One try on one instance; a client span of its own when the request is traced. */
  private attempt(service: string, upstream: Upstream, request: OutboundRequest): Promise<UpstreamResponse> {
    if (!this.tracing || !request.trace) return upstream.breaker.fire(request);
    const call = { remoteService: service, method: request.method, path: request.url.split('?', 1)[0] ?? request.url };
    return this.tracing.client(request.trace, call, (b3) => upstream.breaker.fire({ ...request, headers: { ...request.headers, ...b3 } }));
  }
}

function sealed(seal: GatewaySeal, request: OutboundRequest): OutboundRequest {
  const { method, url, headers } = request;
  return { ...request, headers: { ...headers, [GATEWAY_HEADERS.seal]: seal.seal(sealedFields(method, url, headers)) } };
}
