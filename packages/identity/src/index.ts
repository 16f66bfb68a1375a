export { TokenVerifier, KeysUnavailableError, ISSUER, AUDIENCE, type Identity, type JwksSource } from './verifier.js';
export { authenticate, bearerToken, requireRole } from './fastify.js';
export { httpJwksSource } from './jwks.js';
export { hashPassword, verifyPassword } from './password.js';
