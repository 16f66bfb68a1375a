export {
  TokenVerifier,
  AuthUnavailableError,
  ISSUER,
  AUDIENCE,
  type Identity,
  type JwksSource,
  type TokenChecker,
} from './verifier.js';
export { RemoteTokenChecker, type CheckedToken, type TokenCheck } from './remote.js';
export { authenticate, authenticateBearer, bearerToken, requireRole } from './fastify.js';
export { httpJwksSource } from './jwks.js';
export { hashPassword, verifyPassword } from './password.js';
export { endorse, publicKeySchema, type Endorsement, type PublicKey } from './key-endorsement.js';
