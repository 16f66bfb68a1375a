import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { canonicalIp } from '@sk/seckill';

/** Set by the gateway from its own socket; believed only from a trusted peer. */
const CLIENT_IP_HEADER = 'x-sk-client-ip';


export const isLoopback = (ip: string): boolean => ip.startsWith('127.') || ip === '::1';

/**
 * The shopper's address: the gateway's header when the request comes from loopback or a listed
 * proxy (anyone else could forge it), otherwise the socket's own peer.
 */
export function clientIpOf(req: FastifyRequest, trustedProxies: ReadonlySet<string>): string {
  const peer = canonicalIp(req.socket.remoteAddress ?? '');
  const header = req.headers[CLIENT_IP_HEADER];
  if (typeof header === 'string' && isIP(header) !== 0 && (isLoopback(peer) || trustedProxies.has(peer))) return canonicalIp(header);
  return peer;
}
