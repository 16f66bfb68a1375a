import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, passwordGrant, startAuth, type AuthInstance } from '../../services/auth/test/support.js';
import { isolate } from '@sk/test-support';
import { authorizations, oddString, requests, shaped, shown, type FuzzRequest, type Route } from './arbitraries.js';
import { FUZZ_TEST_TIMEOUT_MS, fuzz, inject, injectedPath, storedState, type Invariants } from './harness.js';

// auth in-process on its own MariaDB database; users, refresh tokens and keys checked around every 4xx.
const iso = isolate('fuzz_auth');
let auth: AuthInstance;
let inv: Invariants;
/** Live refresh tokens to start with; each use rotates it, so a second use is refused. */
const refreshTokens: string[] = [];

beforeAll(async () => {
  auth = await startAuth(iso);
  await createUser(auth.pool, 'alice', 'alice-secret');
  for (const [username, password] of [
    ['alice', 'alice-secret'],
    ['alice', 'alice-secret'],
    ['admin', 'admin123'],
  ] as const) {
    refreshTokens.push((await passwordGrant(auth.app, username, password)).json().refresh_token);
  }
  const tables = { users: 'id, username, password_hash, roles, env_password_hash', signing_keys: 'kid' };
  const everything = storedState(auth.pool, { ...tables, refresh_tokens: 'token_hash, user_id, family, expires_at, revoked_at' });
  // A refresh token used again once rotated is refused and revokes its family, by design
  // (TokenService.refreshGrant): on a request naming one, revocations are no change.
  const withoutRevocations = storedState(auth.pool, { ...tables, refresh_tokens: 'token_hash, user_id, family, expires_at' });
  inv = {
    send: (req) => inject(auth.app, req),
    // The JWKS is read by JOSE libraries: a bare key set, not the envelope.
    notEnvelope: (req, answer) => ['/oauth/jwks', '/metrics'].includes(injectedPath(req)) && answer.status === 200,
    check: (req, answer) => {
      if (injectedPath(req) !== '/oauth/jwks' || answer.status !== 200 || req.method === 'HEAD') return undefined;
      const jwks = JSON.parse(answer.body) as { keys?: { d?: unknown }[] };
      return Array.isArray(jwks.keys) && jwks.keys.length > 0 && jwks.keys.every((k) => k.d === undefined)
        ? undefined
        : `not a public key set: ${answer.body}`;
    },
    state: (req) => (req.body?.includes('refresh_token') ? withoutRevocations : everything)(),
  };
});

afterAll(async () => {
  await auth?.close();
  await iso.cleanup();
});

function routes(): Route[] {
  const username = fc.oneof(fc.constantFrom('alice', 'admin', 'nobody'), oddString);
  const password = fc.oneof(fc.constantFrom('alice-secret', 'admin123', 'wrong'), oddString);
  const refreshToken = fc.oneof(fc.constantFrom(...refreshTokens), fc.base64String({ minLength: 1, maxLength: 60 }), oddString);
  return [
    { method: 'GET', path: '/health' },
    { method: 'GET', path: '/metrics' },
    { method: 'GET', path: '/oauth/jwks' },
    {
      method: 'POST',
      path: '/oauth/token',
      body: fc.oneof(
        shaped({ grant_type: fc.constant('password'), username, password }),
        shaped({ grant_type: fc.constant('refresh_token'), refresh_token: refreshToken }),
        shaped({ grant_type: fc.constantFrom('client_credentials', 'authorization_code', ''), username, password }),
      ),
    },
    { method: 'POST', path: '/oauth/revoke', body: shaped({ refresh_token: refreshToken }) },
  ];
}

/** The same fields form-encoded, as the contract also takes them (when the fuzz chose a flat JSON object). */
function asForm(req: FuzzRequest, form: boolean): FuzzRequest {
  if (!form || req.body === undefined || !req.headers['content-type']?.startsWith('application/json')) return req;
  let fields: unknown;
  try {
    fields = JSON.parse(req.body);
  } catch {
    return req;
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return req;
  const body = new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString();
  return shown({ ...req, headers: { ...req.headers, 'content-type': 'application/x-www-form-urlencoded' }, body });
}

describe('auth under fuzzed requests', () => {
  it('answers every request in the envelope, never 5xx, and stores nothing on a refusal', { timeout: FUZZ_TEST_TIMEOUT_MS }, async () => {
    // Auth's routes take no token: whatever Authorization says must change nothing.
    const space = { routes: routes(), authorization: authorizations('Bearer x') };
    const arb = fc.tuple(requests(space), fc.boolean()).map(([req, form]) => asForm(req, form));
    await fuzz(arb, inv, 0xa07);
  });

  it('still answers /health after it', async () => {
    expect((await auth.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});
