import type { TraceContext } from '@sk/tracing';

/** What the gateway and its upstreams exchange: shared by the forwarder (proxy.ts), the pools (upstreams.ts) and the kill batches. */
export type HeaderMap = Record<string, string | string[]>;

export interface OutboundRequest {
  method: string;
  /** Path and query exactly as the client sent them. */
  url: string;
  headers: HeaderMap;
  body?: Buffer | undefined;
  /** Overrides the pool's timeouts for a request known to be slow. */
  timeoutMs?: number;
  /** The gateway's server span for this request, when traced. */
  trace?: TraceContext | undefined;
}

export interface UpstreamResponse {
  status: number;
  headers: HeaderMap;
  body: Buffer;
}
