import type { Identity } from './identity.js';

export interface TokenCacheOptions {
  maxCached?: number;
  /** Refused tokens remembered at most; a flood of distinct bad tokens cannot evict valid ones. */
  maxRefused?: number;
  /** How long a refused token is answered from memory. */
  refusedForMs?: number;
  now?: () => number;
}

const REFUSED_FOR_MS = 10 * 60_000;

/**
 * Verdicts on tokens, so a token costs one check: valid tokens until they expire, refused ones
 * (expired, forged, malformed: never valid later) for a while. A shopper whose token expired
 * during a sale and who keeps clicking costs a map lookup, not a signature check, each time.
 * The oldest entries are forgotten first when full.
 */
export class TokenCache {
  private readonly valid = new Map<string, { identity: Identity; expiresAt: number }>();
  private readonly refused = new Map<string, number>();

  constructor(private readonly opts: TokenCacheOptions = {}) {}

  now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** The identity of a token known valid, `null` for one known refused, `undefined` when it must be checked. */
  get(token: string): Identity | null | undefined {
    const hit = this.valid.get(token);
    if (hit) {
      if (hit.expiresAt > this.now()) return hit.identity;
      this.valid.delete(token);
      this.refuse(token);
      return null;
    }
    const refusedUntil = this.refused.get(token);
    if (refusedUntil === undefined) return undefined;
    if (refusedUntil > this.now()) return null;
    this.refused.delete(token);
    return undefined;
  }

  /** `expiresAt` in ms since the epoch. */
  remember(token: string, identity: Identity, expiresAt: number): void {
    setBounded(this.valid, token, { identity, expiresAt }, this.opts.maxCached ?? 100_000);
  }

  /** A token that will never be valid. */
  refuse(token: string): void {
    setBounded(this.refused, token, this.now() + (this.opts.refusedForMs ?? REFUSED_FOR_MS), this.opts.maxRefused ?? 10_000);
  }
}

function setBounded<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  if (map.size >= max && !map.has(key)) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, value);
}
