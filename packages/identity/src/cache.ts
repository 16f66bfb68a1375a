import type { Identity } from './verifier.js';

export interface TokenCacheOptions {
  maxCached?: number;
  now?: () => number;
}

/** Valid tokens remembered until they expire, the oldest forgotten first when full. */
export class TokenCache {
  private readonly entries = new Map<string, { identity: Identity; expiresAt: number }>();

  constructor(private readonly opts: TokenCacheOptions = {}) {}

  now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  get(token: string): Identity | undefined {
    const hit = this.entries.get(token);
    if (!hit) return undefined;
    if (hit.expiresAt > this.now()) return hit.identity;
    this.entries.delete(token);
    return undefined;
  }

  /** `expiresAt` in ms since the epoch. */
  remember(token: string, identity: Identity, expiresAt: number): void {
    const max = this.opts.maxCached ?? 100_000;
    if (this.entries.size >= max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, { identity, expiresAt });
  }
}
