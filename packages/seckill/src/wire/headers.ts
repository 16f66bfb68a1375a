/**
 * Headers only the gateway sets on what it forwards: every one starts with GATEWAY_HEADER_PREFIX,
 * and whatever a client sends under that prefix is dropped at the edge.
 */
export const GATEWAY_HEADER_PREFIX = 'x-sk-';

export const GATEWAY_HEADERS = {
  /** The shopper's address, as the gateway saw it. */
  clientIp: `${GATEWAY_HEADER_PREFIX}client-ip`,
  /** The verified user, when the route asks for one. */
  userId: `${GATEWAY_HEADER_PREFIX}user-id`,
  roles: `${GATEWAY_HEADER_PREFIX}roles`,
  /** The seal: proof that a gateway of this suite sent the request (GatewaySeal, @sk/http). */
  seal: `${GATEWAY_HEADER_PREFIX}gateway`,
} as const;

/**
 * The fields a gateway seal covers (GatewaySeal's SealedFields, @sk/http), of a request with these
 * headers (as sent, or as received): its line, and the address and user the gateway vouches for.
 */
export function sealedFields(method: string, url: string, headers: Record<string, string | string[] | undefined>) {
  return { method, url, clientIp: headers[GATEWAY_HEADERS.clientIp], userId: headers[GATEWAY_HEADERS.userId] };
}
