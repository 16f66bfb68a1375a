import type { JSONWebKeySet } from 'jose';
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
