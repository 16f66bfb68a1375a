import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { GATEWAY_HEADERS, canonicalIp } from '@sk/seckill';

export const isLoopback = (ip: string): boolean => ip.startsWith('127.') || ip === '::1';

/** Where an attempt came from: the socket's peer, and the shopper's address if the peer says it. */
export interface RequestOrigin {
  peer: string;
  forwardedIp?: string | undefined;
  /** The request carried the gateway's seal: its word on the address holds wherever it came from. */
  sealed?: boolean;
}

export function originOf(req: FastifyRequest, sealed: boolean): RequestOrigin {
  const header = req.headers[GATEWAY_HEADERS.clientIp];
  return { peer: req.socket.remoteAddress ?? '', forwardedIp: typeof header === 'string' ? header : undefined, sealed };
}

/**
 * The shopper's address: the gateway's word when the request is sealed or comes from loopback or
 * a listed proxy (anyone else could forge it), otherwise the socket's own peer.
 */
export function clientIpOf(origin: RequestOrigin, trustedProxies: ReadonlySet<string>): string {
  const peer = canonicalIp(origin.peer);
  const said = origin.forwardedIp;
  if (said !== undefined && isIP(said) !== 0 && (origin.sealed || isLoopback(peer) || trustedProxies.has(peer))) return canonicalIp(said);
  return peer;
}
