export type { Identity } from './identity.js';
export { TokenVerifier, AuthUnavailableError, ISSUER, AUDIENCE, type TokenChecker } from './verifier.js';
export { RemoteTokenChecker, type CheckedToken, type TokenCheck } from './remote.js';
export { authenticate, authenticateBearer, bearerToken, requireRole } from './fastify.js';
export { httpJwksSource, type JwksSource } from './jwks.js';
export { hashPassword, verifyPassword } from './password.js';
export { endorse, publicKeySchema, type Endorsement, type PublicKey } from './key-endorsement.js';
