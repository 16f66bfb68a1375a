import { TokenCache, type TokenCacheOptions } from './cache.js';
import type { Identity } from './identity.js';
import { AuthUnavailableError, type TokenChecker } from './verifier.js';

/** A token's identity and expiry (ms since the epoch) as auth reports them. */
export interface CheckedToken {
  identity: Identity;
  expiresAt: number;
}

/** Asks auth about a token: null when invalid; rejects when auth cannot be asked. */
export type TokenCheck = (token: string) => Promise<CheckedToken | null>;

/**
 * Checks tokens by asking auth (e.g. its gRPC CheckToken), and remembers valid ones until they
 * expire and refused ones for a while, so a shopper's requests after the first cost no call.
 * Concurrent checks of one token share one call.
 */
export class RemoteTokenChecker implements TokenChecker {
  private readonly cache: TokenCache;
  private readonly inFlight = new Map<string, Promise<Identity | null>>();

  constructor(
    private readonly check: TokenCheck,
    opts: TokenCacheOptions = {},
  ) {
    this.cache = new TokenCache(opts);
  }

  async verify(token: string): Promise<Identity | null> {
    const known = this.cache.get(token);
    if (known !== undefined) return known;
    let pending = this.inFlight.get(token);
    if (!pending) {
      pending = this.checkAndRemember(token).finally(() => this.inFlight.delete(token));
      this.inFlight.set(token, pending);
    }
    return pending;
  }

  /** One call to auth, its answer remembered once for every request that waits on it. */
  private async checkAndRemember(token: string): Promise<Identity | null> {
    let checked: CheckedToken | null;
    try {
      checked = await this.check(token);
    } catch (err) {
      throw new AuthUnavailableError(`auth unavailable: ${(err as Error).message}`);
    }
    if (!checked || checked.expiresAt <= this.cache.now()) {
      this.cache.refuse(token);
      return null;
    }
    this.cache.remember(token, checked.identity, checked.expiresAt);
    return checked.identity;
  }
}
