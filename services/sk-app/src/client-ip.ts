import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { canonicalIp } from '@sk/seckill';

/** Set by the gateway from its own socket; believed only from a trusted peer. */
const CLIENT_IP_HEADER = 'x-sk-client-ip';

export const isLoopback = (ip: string): boolean => ip.startsWith('127.') || ip === '::1';

/** Where an attempt came from: the socket's peer, and the shopper's address if the peer says it. */
export interface RequestOrigin {
  peer: string;
  forwardedIp?: string | undefined;
}

export function originOf(req: FastifyRequest): RequestOrigin {
  const header = req.headers[CLIENT_IP_HEADER];
  return { peer: req.socket.remoteAddress ?? '', forwardedIp: typeof header === 'string' ? header : undefined };
}

/**
 * The shopper's address: the gateway's word when the request comes from loopback or a listed
 * proxy (anyone else could forge it), otherwise the socket's own peer.
 */
export function clientIpOf(origin: RequestOrigin, trustedProxies: ReadonlySet<string>): string {
  const peer = canonicalIp(origin.peer);
  const said = origin.forwardedIp;
  if (said !== undefined && isIP(said) !== 0 && (isLoopback(peer) || trustedProxies.has(peer))) return canonicalIp(said);
  return peer;
}
