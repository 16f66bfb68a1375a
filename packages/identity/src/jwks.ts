import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { z } from 'zod';
import { publicKeySchema, readEndorsement, type PublicKey } from './key-endorsement.js';

/** Where auth's public keys (its JWKS) come from. */
export type JwksSource = () => Promise<JSONWebKeySet>;

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

const keySetSchema = z.object({ keys: z.array(z.unknown()), endorsements: z.array(z.string()).optional() });

interface KnownKey {
  jwk: PublicKey;
  /** Epoch ms after which the key verifies nothing: set by its own endorsement of a successor. */
  until: number;
}

/**
 * Auth's public keys as known so far, by key id. The first usable set fetched is trusted as it
 * is; after that a key joins only when a known key endorsed it (a rotation: see
 * key-endorsement.ts), so an auth instance that anyone registered in discovery cannot add a key
 * of its own, and a fetched set never drops or changes a known key: an empty or a different set
 * cannot lock tokens out, nor swap a key under a known id. A key stops verifying only when it
 * retired itself in an endorsement, once the tokens it signed have expired.
 */
export class KnownKeys {
  private readonly byKid = new Map<string, KnownKey>();
  private keySet: VerificationKeys | null = null;
  private nextRetirement = Infinity;

  /** What tokens are verified with; null while no key is known. */
  get verificationKeys(): VerificationKeys | null {
    if (Date.now() >= this.nextRetirement) this.rebuild();
    return this.keySet;
  }

  /** Adds the keys of `fetched` it may: all usable ones of a first set, then endorsed ones. True when a key was added. */
  async add(fetched: unknown): Promise<boolean> {
    const set = keySetSchema.safeParse(fetched);
    if (!set.success) return false;
    let added = false;
    if (this.byKid.size === 0) {
      for (const raw of set.data.keys) {
        const key = publicKeySchema.safeParse(raw);
        if (key.success && !this.byKid.has(key.data.kid)) {
          this.byKid.set(key.data.kid, { jwk: key.data, until: Infinity });
          added = true;
        }
      }
    }
    let retired = false;
    const pending = new Set(set.data.endorsements ?? []);
    // Rounds until nothing moves: an endorsement may be signed by a key another one just endorsed.
    for (let moved = true; moved;) {
      moved = false;
      for (const jws of pending) {
        const endorser = this.byKid.get(endorserKid(jws) ?? '');
        if (!endorser) continue;
        pending.delete(jws);
        const endorsement = await readEndorsement(jws, endorser.jwk);
        if (!endorsement) continue;
        const known = this.byKid.get(endorsement.key.kid);
        if (known && known.jwk.x !== endorsement.key.x) continue;
        if (!known) {
          this.byKid.set(endorsement.key.kid, { jwk: endorsement.key, until: Infinity });
          added = moved = true;
        }
        const until = endorsement.endorserUntil * 1000;
        if (until < endorser.until) {
          endorser.until = until;
          retired = true;
        }
      }
    }
    if (added || retired) this.rebuild();
    return added;
  }

  private rebuild(): void {
    const now = Date.now();
    const live = [...this.byKid.values()].filter((k) => k.until > now);
    this.nextRetirement = Math.min(...live.map((k) => k.until));
    this.keySet = live.length > 0 ? createLocalJWKSet({ keys: live.map((k) => k.jwk) }) : null;
  }
}

function endorserKid(jws: string): string | undefined {
  try {
    return decodeProtectedHeader(jws).kid;
  } catch {
    return undefined;
  }
}
