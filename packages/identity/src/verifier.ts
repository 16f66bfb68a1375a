import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import { z } from 'zod';

export const ISSUER = 'sk-auth';
export const AUDIENCE = 'seckill';

const claimsSchema = z.object({
  sub: z.string().regex(/^\d+$/),
  username: z.string(),
  roles: z.array(z.string()),
  exp: z.number(),
});

export interface Identity {
  userId: number;
  username: string;
  roles: string[];
}

export type JwksSource = () => Promise<JSONWebKeySet>;

export class KeysUnavailableError extends Error {}

/**
 * Verifies auth's access tokens locally with its public keys (fetched once, refreshed when an
 * unknown key id shows up), and remembers verified tokens until they expire, so the hot path
 * costs one map lookup and no RPC.
 */
export class TokenVerifier {
  private keys: ReturnType<typeof createLocalJWKSet> | null = null;
  private fetching: Promise<void> | null = null;
  private lastFetch = 0;
  private readonly cache = new Map<string, { identity: Identity; expiresAt: number }>();

  constructor(
    private readonly source: JwksSource,
    private readonly opts: { maxCached?: number; now?: () => number } = {},
  ) {}

  /** The identity of a valid token; `null` for an invalid or expired one. Throws KeysUnavailableError. */
  async verify(token: string): Promise<Identity | null> {
    const now = this.opts.now?.() ?? Date.now();
    const hit = this.cache.get(token);
    if (hit) {
      if (hit.expiresAt > now) return hit.identity;
      this.cache.delete(token);
    }
    if (!this.keys) await this.refresh(true);
    let result = await this.tryVerify(token);
    if (result === 'unknown-key' && (await this.refresh(false))) result = await this.tryVerify(token);
    if (result === null || result === 'unknown-key') return null;
    this.remember(token, result.identity, result.exp * 1000);
    return result.identity;
  }

  private async tryVerify(token: string): Promise<{ identity: Identity; exp: number } | 'unknown-key' | null> {
    try {
      const { payload } = await jwtVerify(token, this.keys!, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'] });
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) return null;
      const { sub, username, roles, exp } = claims.data;
      return { identity: { userId: Number(sub), username, roles }, exp };
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey) return 'unknown-key';
      return null;
    }
  }

  /** Fetches the keys; `force` on first use, else at most every 5 s. True when new keys came. */
  private async refresh(force: boolean): Promise<boolean> {
    const now = Date.now();
    if (!force && now - this.lastFetch < 5_000) return false;
    if (!this.fetching) {
      this.fetching = this.source()
        .then((jwks) => {
          this.keys = createLocalJWKSet(jwks);
          this.lastFetch = Date.now();
        })
        .finally(() => {
          this.fetching = null;
        });
    }
    try {
      await this.fetching;
      return true;
    } catch (err) {
      if (this.keys) return false;
      throw new KeysUnavailableError(`token keys unavailable: ${(err as Error).message}`);
    }
  }

  private remember(token: string, identity: Identity, expiresAt: number): void {
    const max = this.opts.maxCached ?? 100_000;
    if (this.cache.size >= max) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(token, { identity, expiresAt });
  }
}
