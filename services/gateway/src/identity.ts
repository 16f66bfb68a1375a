import type { FastifyRequest } from 'fastify';
import { Codes, SkError } from '@sk/http';
import { authenticate, bearerToken, type Identity, type TokenChecker } from '@sk/identity';

/**
 * What the gateway asks of a request before forwarding it:
 * - `public`: nothing, and no identity is passed on;
 * - `optional`: nothing, but a valid token's identity is passed on (for logs and limits);
 * - `user`: a valid token (401/1103);
 * - `admin`: a valid token holding role admin (401/1103, 403/1112).
 */
export type Access = 'public' | 'optional' | 'user' | 'admin';

export const ADMIN_ROLE = 'admin';

// Matched exactly: any other spelling of a /sec path (trailing slash, `;`, encoding) needs a token.
const OPEN_SHOPPER_PATHS = new Set(['/sec/list', '/sec/info']);
const PAYMENT_NOTIFY_PATH = '/payments/notify';

/** The access rule of a request path (no query). Shopper routes need a token unless listed as open. */
export function accessFor(path: string): Access {
  // Payment providers sign their notifications: sk-order checks that signature, no token is involved.
  if (path.startsWith('/oauth/') || path === PAYMENT_NOTIFY_PATH) return 'public';
  if (path.startsWith('/admin/')) return 'admin';
  return OPEN_SHOPPER_PATHS.has(path) ? 'optional' : 'user';
}

/** The verified identity to pass upstream, or the refusal `access` calls for. */
export async function identify(verifier: TokenChecker, access: Access, req: FastifyRequest): Promise<Identity | undefined> {
  switch (access) {
    case 'public':
      return undefined;
    case 'optional':
      // An open route stays open even when the token is bad or the keys cannot be had.
      return bearerToken(req) ? authenticate(verifier, req).catch(() => undefined) : undefined;
    case 'user':
      return authenticate(verifier, req);
    case 'admin': {
      const identity = await authenticate(verifier, req);
      if (!identity.roles.includes(ADMIN_ROLE)) throw new SkError(Codes.FORBIDDEN, `role ${ADMIN_ROLE} required`);
      return identity;
    }
  }
}
