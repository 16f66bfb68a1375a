import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenVerifier } from '@sk/identity';
import { signKeyFor } from '@sk/seckill';
import { isolate } from '@sk/test-support';
import { createUser, passwordGrant, refreshGrant, startAuth, type AuthInstance } from './support.js';

const iso = isolate('auth_oauth');
let auth: AuthInstance;
let aliceId: number;

beforeAll(async () => {
  auth = await startAuth(iso);
  aliceId = await createUser(auth.pool, 'alice', 'alice-secret');
});

afterAll(async () => {
  await auth?.close();
  await iso.cleanup();
});

async function jwksOf(instance: AuthInstance): Promise<JSONWebKeySet> {
  const res = await instance.app.inject({ method: 'GET', url: '/oauth/jwks' });
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe('password grant', () => {
  it('issues a signed access token, a refresh token and the sign key', async () => {
    const res = await passwordGrant(auth.app, 'alice', 'alice-secret');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toMatchObject({
      code: 0,
      message: 'ok',
      token_type: 'Bearer',
      expires_in: 900,
      user_id: aliceId,
      roles: ['user'],
      sign_key: signKeyFor(iso.env.SK_SECRET!, aliceId),
    });
    expect(body.refresh_token).toMatch(/^[\w-]{43}$/);

    const jwks = await jwksOf(auth);
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const identity = await new TokenVerifier(async () => jwks).verify(body.access_token);
    expect(identity).toEqual({ userId: aliceId, username: 'alice', roles: ['user'] });

    expect(decodeProtectedHeader(body.access_token)).toMatchObject({ alg: 'EdDSA', kid: jwks.keys[0]!.kid });
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({ sub: String(aliceId), iss: 'sk-auth', aud: 'seckill' });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(60);
  });

  it('refuses a wrong password and an unknown user with the same answer', async () => {
    const wrong = await passwordGrant(auth.app, 'alice', 'not-her-password');
    const unknown = await passwordGrant(auth.app, 'nobody', 'alice-secret');
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 1103 });
      expect(res.json()).not.toHaveProperty('access_token');
    }
    expect(wrong.json()).toEqual(unknown.json());
  });

  it('accepts a form-encoded body', async () => {
    const res = await auth.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'password', username: 'alice', password: 'alice-secret' }).toString(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ code: 0, user_id: aliceId });
  });

  it('names missing and invalid fields', async () => {
    const missing = await auth.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'password', username: 'alice' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().code).toBe(1101);
    expect(missing.json().errors.map((e: { field: string }) => e.field)).toEqual(['password']);

    const badGrant = await auth.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'client_credentials' } });
    expect(badGrant.statusCode).toBe(400);
    expect(badGrant.json().errors.map((e: { field: string }) => e.field)).toContain('grant_type');

    const wrongType = await auth.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'password', username: 42, password: '' },
    });
    expect(wrongType.statusCode).toBe(400);
    expect(
      wrongType
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['password', 'username']);
  });

  it('answers 413 to a body over 16 KiB and 400 to malformed JSON', async () => {
    const large = await auth.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'password', username: 'alice', password: 'x'.repeat(17 * 1024) },
    });
    expect(large.statusCode).toBe(413);

    const malformed = await auth.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/json' },
      payload: '{"grant_type": "password", "username": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().code).toBe(1101);
  });
});

describe('refresh grant', () => {
  it('rotates: a refresh token works once, then its successor does', async () => {
    const first = (await passwordGrant(auth.app, 'alice', 'alice-secret')).json();

    const second = await refreshGrant(auth.app, first.refresh_token);
    expect(second.statusCode).toBe(200);
    const rotated = second.json();
    expect(rotated).toMatchObject({ code: 0, user_id: aliceId, roles: ['user'], sign_key: first.sign_key });
    expect(rotated.refresh_token).not.toBe(first.refresh_token);
    const identity = await new TokenVerifier(async () => jwksOf(auth)).verify(rotated.access_token);
    expect(identity?.userId).toBe(aliceId);

    expect((await refreshGrant(auth.app, rotated.refresh_token)).statusCode).toBe(200);
  });

  it('revokes the whole family when a rotated refresh token is used again, and no other sign-in', async () => {
    const first = (await passwordGrant(auth.app, 'alice', 'alice-secret')).json();
    const other = (await passwordGrant(auth.app, 'alice', 'alice-secret')).json();
    const rotated = (await refreshGrant(auth.app, first.refresh_token)).json();
    const latest = (await refreshGrant(auth.app, rotated.refresh_token)).json();

    // The first token again: copied, or stolen. It buys nothing, and its family's live token dies with it.
    const reused = await refreshGrant(auth.app, first.refresh_token);
    expect([reused.statusCode, reused.json().code]).toEqual([401, 1103]);
    expect((await refreshGrant(auth.app, latest.refresh_token)).statusCode).toBe(401);
    // Another sign-in of the same user is another family.
    expect((await refreshGrant(auth.app, other.refresh_token)).statusCode).toBe(200);
  });

  it('lets exactly one of two concurrent uses of a refresh token win', async () => {
    const { refresh_token } = (await passwordGrant(auth.app, 'alice', 'alice-secret')).json();
    const answers = await Promise.all([refreshGrant(auth.app, refresh_token), refreshGrant(auth.app, refresh_token)]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });

  it('stores only the hash of refresh tokens and refuses expired ones', async () => {
    const { refresh_token } = (await passwordGrant(auth.app, 'alice', 'alice-secret')).json();
    const hash = createHash('sha256').update(refresh_token).digest('hex');
    const [rows] = await auth.pool.query<RowDataPacket[]>(
      'SELECT token_hash, user_id, expires_at > NOW(3) + INTERVAL 6 DAY AS lasts_a_week FROM refresh_tokens WHERE token_hash IN (?, ?)',
      [hash, refresh_token],
    );
    expect(rows).toEqual([{ token_hash: hash, user_id: aliceId, lasts_a_week: 1 }]);

    await auth.pool.execute('UPDATE refresh_tokens SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE token_hash = ?', [hash]);
    const res = await refreshGrant(auth.app, refresh_token);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe(1103);
  });

  it('revokes a refresh token, idempotently', async () => {
    const { refresh_token } = (await passwordGrant(auth.app, 'alice', 'alice-secret')).json();
    const revoke = () => auth.app.inject({ method: 'POST', url: '/oauth/revoke', payload: { refresh_token } });
    const first = await revoke();
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ code: 0, message: 'ok' });
    expect((await revoke()).statusCode).toBe(200);
    expect((await refreshGrant(auth.app, refresh_token)).statusCode).toBe(401);

    const invalid = await auth.app.inject({ method: 'POST', url: '/oauth/revoke', payload: {} });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().errors.map((e: { field: string }) => e.field)).toEqual(['refresh_token']);
  });

  it('refuses an unknown refresh token', async () => {
    const res = await refreshGrant(auth.app, 'never-issued');
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe(1103);
  });
});

describe('operator and instances', () => {
  it('seeds the operator with role admin and a scrypt hash', async () => {
    const res = await passwordGrant(auth.app, 'admin', 'admin123');
    expect(res.statusCode).toBe(200);
    expect(res.json().roles).toEqual(['admin']);
    const [rows] = await auth.pool.query<RowDataPacket[]>("SELECT password_hash, roles FROM users WHERE username = 'admin'");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.roles).toBe('admin');
    expect(rows[0]!.password_hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/);
    expect(rows[0]!.password_hash).not.toContain('admin123');
  });

  it('shares one signing key between instances and lets SK_ADMIN_PASSWORD override the stored one', async () => {
    const other = await startAuth(iso, { SK_ADMIN_PASSWORD: 'rotated-password' });
    try {
      expect(other.operator).toBe('updated');
      expect(await jwksOf(other)).toEqual(await jwksOf(auth));

      const issued = (await passwordGrant(auth.app, 'alice', 'alice-secret')).json();
      const identity = await new TokenVerifier(async () => jwksOf(other)).verify(issued.access_token);
      expect(identity?.username).toBe('alice');
      // a refresh token from one instance is good at the other
      expect((await refreshGrant(other.app, issued.refresh_token)).statusCode).toBe(200);

      expect((await passwordGrant(other.app, 'admin', 'admin123')).statusCode).toBe(401);
      expect((await passwordGrant(other.app, 'admin', 'rotated-password')).json().roles).toEqual(['admin']);
    } finally {
      await other.close();
    }
    const again = await startAuth(iso, { SK_ADMIN_PASSWORD: 'rotated-password' });
    await again.close();
    expect(again.operator).toBe('unchanged');
  });

  it('is healthy while MySQL answers', async () => {
    const res = await auth.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ code: 0, service: 'auth' });
  });
});
