import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Identity, TokenChecker } from '@sk/identity';
import { Codes, SkError, envelope } from '@sk/http';
import { KILL_AUTHORIZATION_MAX, KILL_BATCHED_BODY_MAX, canonicalIp, type Blacklist } from '@sk/seckill';
import { accessFor, identify } from '../identity.js';
import type { RequestLimits } from '../limits.js';
import type { SoldOutShortcut } from '../sold-out.js';
import type { KillBatches } from '../kill-batches.js';
import { upstreamRequestHeaders, type Forwarder } from '../proxy.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What the gateway's checks found of a forwarded request, before its body was read. */
    admitted: { path: string; clientIp: string; identity: Identity | undefined } | null;
  }
}

/** The public routes: every method under each prefix goes to the service behind it. */
export const UPSTREAM_ROUTES = [
  { prefix: '/oauth', service: 'auth' },
  { prefix: '/sec', service: 'sk-app' },
  { prefix: '/admin', service: 'sk-admin' },
  { prefix: '/orders', service: 'sk-order' },
  { prefix: '/payments', service: 'sk-order' },
] as const;

/**
 * The one exception to the 16 KiB limit and the short upstream timeout: creating up to 10,000
 * users in one call (each password hashed with scrypt) is a large body and takes minutes.
 */
export const BULK_USERS_PATH = '/admin/users';
export const BULK_USERS_BODY_LIMIT = 4 * 1024 * 1024;

export const KILL_PATH = '/sec/kill';

// The crowd after a sale gets this one answer: serialized once.
const SOLD_OUT_ANSWER = JSON.stringify(envelope(Codes.SOLD_OUT));

export interface UpstreamRoutesOptions {
  forwarder: Forwarder;
  verifier: TokenChecker;
  bulkTimeoutMs: number;
  soldOut?: SoldOutShortcut | undefined;
  /** Rate limits; none when absent. */
  limits?: RequestLimits | undefined;
  /** Sends unsampled kills to sk-app in batches; one request each when absent. */
  killBatches?: KillBatches | undefined;
  /** Refuses the tokens of banned users; none checked when absent. */
  blacklist?: Pick<Blacklist, 'blocks'> | undefined;
}

// What a batched kill may carry (KILL_BATCH_PATH's schema); anything else goes alone, answered as ever.
const BATCHABLE_TYPE = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;

/**
 * Checks rate limits and identity, then forwards. Bodies are not parsed here: they stay the client's bytes (any
 * content type, still within the 16 KiB limit) and the upstream validates them.
 */
export const upstreamRoutes: FastifyPluginAsync<UpstreamRoutesOptions> = async (
  app,
  { forwarder, verifier, bulkTimeoutMs, soldOut, limits, killBatches, blacklist },
) => {
  app.removeAllContentTypeParsers();
  const keepBytes = (_req: FastifyRequest, body: Buffer, done: (err: null, body: Buffer) => void) => done(null, body);
  // JSON named as well: fastify remembers the parser of a named type, where it reads the catch-all's
  // content type anew for every request.
  for (const type of ['application/json', '*']) app.addContentTypeParser(type, { parseAs: 'buffer' }, keepBytes);

  // Before the body is read: a client without the right to a route, or over its limits, is answered
  // without the gateway taking in what it sends (up to 4 MiB on the bulk import).
  app.decorateRequest('admitted', null);
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?', 1)[0] ?? req.url;
    const clientIp = limits ? limits.clientIp(req.raw) : canonicalIp(req.ip);
    await limits?.beforeIdentity(path, clientIp);
    const identity = await identify(verifier, accessFor(path), req);
    if (identity && blacklist?.blocks('user', String(identity.userId))) throw new SkError(Codes.BLACKLISTED);
    if (identity) await limits?.forUser(path, identity.userId);
    req.admitted = { path, clientIp, identity };
  });

  const forwardTo = (service: string, timeoutMs?: number) => async (req: FastifyRequest, reply: FastifyReply) => {
    const { path, clientIp, identity } = req.admitted!;
    const isKill = path === KILL_PATH && req.method === 'POST';
    if (isKill && soldOut?.isSoldOut(req.body)) {
      // A line each for the crowd after a sale would fill the log, and cost more than deciding the answer.
      req.logAnswer = false;
      return reply.code(Codes.SOLD_OUT.status).type('application/json; charset=utf-8').send(SOLD_OUT_ANSWER);
    }
    const response =
      isKill && killBatches && batchable(req)
        ? await killBatches.attempt({
            authorization: req.headers.authorization,
            client_ip: clientIp,
            body: (req.body as Buffer).toString('utf8'),
          })
        : await forwarder.forward(service, {
            method: req.method,
            url: req.url,
            headers: upstreamRequestHeaders(req.headers, { clientIp, identity }),
            trace: req.trace,
            body: Buffer.isBuffer(req.body) ? req.body : undefined,
            ...(timeoutMs ? { timeoutMs } : {}),
          });
    return reply.code(response.status).headers(response.headers).send(response.body);
  };

  // Sampled kills go alone: their spans are the request's own.
  const batchable = (req: FastifyRequest) => {
    const { authorization } = req.headers;
    return (
      !req.trace?.sampled.getOrElse(false) &&
      Buffer.isBuffer(req.body) &&
      req.body.length <= KILL_BATCHED_BODY_MAX &&
      BATCHABLE_TYPE.test(req.headers['content-type'] ?? '') &&
      (authorization?.length ?? 0) <= KILL_AUTHORIZATION_MAX
    );
  };

  // The prefix itself too: `GET /orders` is a route of its own.
  for (const { prefix, service } of UPSTREAM_ROUTES) app.all(`${prefix}/*`, forwardTo(service)).all(prefix, forwardTo(service));
  app.post(BULK_USERS_PATH, { bodyLimit: BULK_USERS_BODY_LIMIT }, forwardTo('sk-admin', bulkTimeoutMs));
};
