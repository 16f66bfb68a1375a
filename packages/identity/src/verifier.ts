import { errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { TokenCache, type TokenCacheOptions } from './cache.js';
import type { Identity } from './identity.js';
import { KnownKeys, type JwksSource, type VerificationKeys } from './jwks.js';

export const ISSUER = 'sk-auth';
export const AUDIENCE = 'seckill';

const claimsSchema = z.object({
  sub: z.string().regex(/^\d+$/),
  username: z.string(),
  roles: z.array(z.string()),
  exp: z.number(),
});

/** What a service asks of a bearer token, whether it verifies it itself or asks auth. */
export interface TokenChecker {
  /** The identity of a valid token; `null` for an invalid or expired one. Throws AuthUnavailableError. */
  verify(token: string): Promise<Identity | null>;
}

/** Tokens cannot be checked now (no keys, auth unreachable): a 503, not a 401. */
export class AuthUnavailableError extends Error {}

/**
 * Verifies auth's access tokens locally with its public keys (fetched on first use, and again
 * when a token names an unknown key, which joins only if a known key endorsed it; see KnownKeys), and remembers
 * verified tokens until they expire and refused ones for a while, so the hot path costs one map
 * lookup and no RPC.
 */
export class TokenVerifier implements TokenChecker {
  private readonly keys: KnownKeys;
  private fetching: Promise<boolean> | null = null;
  private lastFetch = 0;
  private readonly cache: TokenCache;

  constructor(
    private readonly source: JwksSource,
    opts: TokenCacheOptions = {},
  ) {
    this.keys = new KnownKeys();
    this.cache = new TokenCache(opts);
  }

  /** The identity of a valid token; `null` for an invalid or expired one. Throws AuthUnavailableError without keys. */
  async verify(token: string): Promise<Identity | null> {
    const known = this.cache.get(token);
    if (known !== undefined) return known;
    if (!this.keys.verificationKeys) await this.refresh(true);
    const keys = this.keys.verificationKeys;
    if (!keys) throw new AuthUnavailableError('token keys unavailable: auth served no usable key');
    let result = await this.tryVerify(token, keys);
    if (result === 'unknown-key' && (await this.refresh(false))) result = await this.tryVerify(token, this.keys.verificationKeys!);
    // A key may still come, and a token not yet valid may become so: only those are asked again.
    if (result === 'unknown-key' || result === 'not-yet') return null;
    if (result === 'refused') {
      this.cache.refuse(token);
      return null;
    }
    this.cache.remember(token, result.identity, result.exp * 1000);
    return result.identity;
  }

  private async tryVerify(
    token: string,
    keys: VerificationKeys,
  ): Promise<{ identity: Identity; exp: number } | 'unknown-key' | 'not-yet' | 'refused'> {
    try {
      const { payload } = await jwtVerify(token, keys, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'] });
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) return 'refused';
      const { sub, username, roles, exp } = claims.data;
      return { identity: { userId: Number(sub), username, roles }, exp };
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey) return 'unknown-key';
      if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'nbf') return 'not-yet';
      // Expired, forged, malformed, or not auth's: never valid later.
      return 'refused';
    }
  }

  /** Fetches keys: `force` on first use, else at most every 5 s. True when a key was added. */
  private async refresh(force: boolean): Promise<boolean> {
    if (!force && Date.now() - this.lastFetch < 5_000) return false;
    if (!this.fetching) {
      this.fetching = this.source()
        .then((jwks) => {
          this.lastFetch = Date.now();
          return this.keys.add(jwks);
        })
        .finally(() => {
          this.fetching = null;
        });
    }
    try {
      return await this.fetching;
    } catch (err) {
      if (this.keys.verificationKeys) return false;
      throw new AuthUnavailableError(`token keys unavailable: ${(err as Error).message}`);
    }
  }
}
