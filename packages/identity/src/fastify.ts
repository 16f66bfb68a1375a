import type { FastifyReply, FastifyRequest } from 'fastify';
import { Codes, SkError } from '@sk/codes';
import type { Identity } from './identity.js';
import { AuthUnavailableError, type TokenChecker } from './verifier.js';

export function bearerToken(req: FastifyRequest): string | undefined {
  return bearerTokenOf(req.headers.authorization);
}

/** The token of an Authorization header (`Bearer <token>`), if it holds one. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer\s+([\w\-.~+/]+=*)$/i.exec(header.trim());
  return m?.[1];
}

/** The verified identity of the request's bearer token, or a 401/1103 (503/1111 if tokens cannot be checked now). */
export function authenticate(verifier: TokenChecker, req: FastifyRequest): Promise<Identity> {
  return authenticateBearer(verifier, req.headers.authorization);
}

/** The same for an Authorization header carried some other way (kills batched by the gateway). */
export async function authenticateBearer(verifier: TokenChecker, authorization: string | undefined): Promise<Identity> {
  const token = bearerTokenOf(authorization);
  if (!token) throw new SkError(Codes.UNAUTHORIZED);
  try {
    const identity = await verifier.verify(token);
    if (!identity) throw new SkError(Codes.UNAUTHORIZED);
    return identity;
  } catch (err) {
    if (err instanceof AuthUnavailableError) throw new SkError(Codes.UPSTREAM_UNAVAILABLE, 'auth unavailable');
    throw err;
  }
}

/** A preHandler admitting only tokens holding `role` (401/1103 without a valid token, 403/1112 without the role). */
export function requireRole(verifier: TokenChecker, role: string) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const identity = await authenticate(verifier, req);
    if (!identity.roles.includes(role)) throw new SkError(Codes.FORBIDDEN, `role ${role} required`);
    req.identity = identity;
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    identity?: Identity;
  }
}
