import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { AUDIENCE, ISSUER, TokenVerifier } from '@sk/identity';

/** A signing key of the test's own, standing in for auth's, and a verifier that trusts it. */
export async function testTokens() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test', alg: 'EdDSA', use: 'sig' };
  return {
    jwks: { keys: [jwk] },
    verifier: () => new TokenVerifier(async () => ({ keys: [jwk] })),
    sign: (userId: number, roles: string[] = ['user'], ttlS = 600) =>
      new SignJWT({ username: `user${userId}`, roles })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'test' })
        .setSubject(String(userId))
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlS)
        .sign(privateKey),
  };
}
