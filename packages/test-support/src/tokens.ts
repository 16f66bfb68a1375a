import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JSONWebKeySet } from 'jose';
import { AUDIENCE, ISSUER, TokenVerifier } from '@sk/identity';

export interface SignOptions {
  /** `exp`: seconds since epoch, or a span like '5m'. */
  expiresAt?: number | string;
  username?: string;
  issuer?: string;
}

/** A signing key of the test's own standing in for auth's: tokens signed as auth does, and their keys. */
export class TokenMint {
  private constructor(
    private readonly privateKey: CryptoKey,
    readonly jwks: JSONWebKeySet,
    private readonly kid: string,
  ) {}

  static async create(kid = 'test-key'): Promise<TokenMint> {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
    return new TokenMint(privateKey, { keys: [jwk] }, kid);
  }

  sign(userId: number, roles: string[] = ['user'], opts: SignOptions = {}): Promise<string> {
    return new SignJWT({ username: opts.username ?? `user${userId}`, roles })
      .setProtectedHeader({ alg: 'EdDSA', kid: this.kid })
      .setSubject(String(userId))
      .setIssuer(opts.issuer ?? ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(opts.expiresAt ?? '5m')
      .sign(this.privateKey);
  }

  /** A verifier that trusts this mint's key. */
  verifier(): TokenVerifier {
    return new TokenVerifier(async () => this.jwks);
  }
}
