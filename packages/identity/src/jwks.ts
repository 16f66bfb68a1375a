import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { z } from 'zod';
import type { JwksSource } from './verifier.js';

/** Fetches `/oauth/jwks` from the first auth instance that answers. */
export function httpJwksSource(baseUrls: () => string[], timeoutMs = 2_000): JwksSource {
  return async () => {
    const urls = baseUrls();
    if (urls.length === 0) throw new Error('no auth instance known');
    let lastError: unknown;
    for (const base of urls) {
      try {
        const res = await fetch(new URL('/oauth/jwks', base), { signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) throw new Error(`auth answered ${res.status}`);
        return (await res.json()) as JSONWebKeySet;
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  };
}

export type VerificationKeys = ReturnType<typeof createLocalJWKSet>;

const keySetSchema = z.object({ keys: z.array(z.unknown()) });
// Tokens are checked with EdDSA only, and auth signs with Ed25519: any other key could never verify one.
const publicKeySchema = z.object({ kid: z.string().min(1), kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().min(1) });

/**
 * Auth's public keys as known so far, by key id. A fetched set adds keys and never drops or
 * changes a known one: an auth instance answering an empty or a different set cannot lock
 * tokens out, nor swap a key for its own under a known id.
 *
 * Once keys are known, later sets may add keys (a rotation) only with `acceptNewKeys`, for a
 * source the operator pinned (AUTH_URL): from instances found in discovery, whoever can
 * register an `auth` instance could add a key of its own and sign any token it likes.
 */
export class KnownKeys {
  private readonly byKid = new Map<string, z.output<typeof publicKeySchema>>();
  private keySet: VerificationKeys | null = null;

  constructor(private readonly acceptNewKeys: boolean) {}

  /** Whether a fetched set may still add a key: none is known yet, or rotations are accepted. */
  get open(): boolean {
    return this.acceptNewKeys || this.byKid.size === 0;
  }

  /** What tokens are verified with; null while no key is known. */
  get verificationKeys(): VerificationKeys | null {
    return this.keySet;
  }

  /** Adds the usable keys of `fetched` whose ids are new, if it may; true when one was added. */
  add(fetched: unknown): boolean {
    if (!this.open) return false;
    const set = keySetSchema.safeParse(fetched);
    if (!set.success) return false;
    let added = false;
    for (const raw of set.data.keys) {
      const key = publicKeySchema.safeParse(raw);
      if (!key.success || this.byKid.has(key.data.kid)) continue;
      this.byKid.set(key.data.kid, key.data);
      added = true;
    }
    if (added) this.keySet = createLocalJWKSet({ keys: [...this.byKid.values()] });
    return added;
  }
}
