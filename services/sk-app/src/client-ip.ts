import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/** Set by the gateway from its own socket; believed only from a trusted peer. */
const CLIENT_IP_HEADER = 'x-sk-client-ip';

/** IPv4 peers may show as IPv4-mapped IPv6 (`::ffff:1.2.3.4`); lists name them plainly. */
export const normalizeIp = (ip: string): string => (ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip.toLowerCase());

export const isLoopback = (ip: string): boolean => ip.startsWith('127.') || ip === '::1';

/**
 * The shopper's address: the gateway's header when the request comes from loopback or a listed
 * proxy (anyone else could forge it), otherwise the socket's own peer.
 */
export function clientIpOf(req: FastifyRequest, trustedProxies: ReadonlySet<string>): string {
  const peer = normalizeIp(req.socket.remoteAddress ?? '');
  const header = req.headers[CLIENT_IP_HEADER];
  if (typeof header === 'string' && isIP(header) !== 0 && (isLoopback(peer) || trustedProxies.has(peer))) return normalizeIp(header);
  return peer;
}
