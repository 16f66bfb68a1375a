import { SignJWT, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AUDIENCE, ISSUER, TokenVerifier } from '@sk/identity';
import { isolate } from '@sk/test-support';
import { rotateSigningKey, type RingKey } from '../src/keys.js';
import { createUser, passwordGrant, startAuth, type AuthInstance } from './support.js';

const iso = isolate('auth_keys');
const ACCESS_TTL_S = 900;
let first: AuthInstance;
let second: AuthInstance;

beforeAll(async () => {
  first = await startAuth(iso);
  second = await startAuth(iso);
  await createUser(first.pool, 'alice', 'alice-secret');
});

afterEach(() => {
  vi.useRealTimers();
});

afterAll(async () => {
  await first?.close();
  await second?.close();
  await iso.cleanup();
});

async function jwksOf(instance: AuthInstance): Promise<JSONWebKeySet & { endorsements?: string[] }> {
  return (await instance.app.inject({ method: 'GET', url: '/oauth/jwks' })).json();
}

async function accessToken(instance: AuthInstance): Promise<string> {
  const res = await passwordGrant(instance.app, 'alice', 'alice-secret');
  expect(res.statusCode).toBe(200);
  return res.json().access_token;
}

/** A token signed with `key` as auth would, valid for a day: what a thief of that key could make. */
function tokenSignedWith(key: RingKey): Promise<string> {
  return new SignJWT({ username: 'alice', roles: ['user'] })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
    .setSubject('1')
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setExpirationTime(Math.floor(Date.now() / 1000) + 86_400)
    .sign(key.privateKey);
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;

describe('signing key rotation', () => {
  it('signs with the new key from its time on, on every instance; verifiers that knew the old key take the new one; the old one verifies until its tokens expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    // A verifier that only ever trusted the first key set (as a gateway without AUTH_URL does).
    const verifier = new TokenVerifier(async () => jwksOf(second));
    const before = await accessToken(first);
    const oldKey = first.keys.signing();
    expect(kidOf(before)).toBe(oldKey.kid);
    expect(await verifier.verify(before)).toMatchObject({ username: 'alice' });

    const rotation = await rotateSigningKey(first.pool, ACCESS_TTL_S);
    expect(rotation.retired).toEqual({ kid: oldKey.kid, at: rotation.activeFrom + (ACCESS_TTL_S + 60) * 1000 });
    await Promise.all([first.keys.reload(), second.keys.reload()]);
    // Published at once, used only from its time: every instance serves it before any signs with it.
    for (const instance of [first, second]) {
      const jwks = await jwksOf(instance);
      expect(jwks.keys.map((k) => k.kid)).toEqual([oldKey.kid, rotation.kid]);
      expect(jwks.endorsements).toHaveLength(1);
      expect(kidOf(await accessToken(instance))).toBe(oldKey.kid);
    }

    vi.setSystemTime(rotation.activeFrom + 1_000);
    const after = await accessToken(second);
    expect(kidOf(after)).toBe(rotation.kid);
    expect(kidOf(await accessToken(first))).toBe(rotation.kid);
    expect(await verifier.verify(after)).toMatchObject({ username: 'alice' });
    expect(await first.tokens.check(after)).toMatchObject({ username: 'alice' });
    const lateOldToken = await tokenSignedWith(oldKey);
    expect(await verifier.verify(lateOldToken)).toMatchObject({ username: 'alice' });
    expect(await first.tokens.check(lateOldToken)).toMatchObject({ username: 'alice' });

    // Once every token the old key signed has expired, the old key verifies nothing, anywhere.
    vi.setSystemTime(rotation.retired.at + 1_000);
    const stolenKeyToken = await tokenSignedWith(oldKey);
    expect(await verifier.verify(stolenKeyToken)).toBeNull();
    expect(await first.tokens.check(stolenKeyToken)).toBeNull();
    expect((await jwksOf(second)).keys.map((k) => k.kid)).toEqual([rotation.kid]);
    expect(await verifier.verify(await accessToken(first))).toMatchObject({ username: 'alice' });
  });

  it('wipes the private half of a retired key at the next rotation, and chains concurrent rotations', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const [newestRows] = await first.pool.query<RowDataPacket[]>('SELECT kid FROM signing_keys ORDER BY active_from DESC LIMIT 1');
    const before = String(newestRows[0]!.kid);
    const rotations = await Promise.all([rotateSigningKey(first.pool, ACCESS_TTL_S), rotateSigningKey(second.pool, ACCESS_TTL_S)]);
    // One after the other: the second endorsed by the first's new key, never both by the same.
    expect(new Set(rotations.map((r) => r.retired.kid)).size).toBe(2);
    expect(rotations.map((r) => r.retired.kid)).toContain(before);

    vi.setSystemTime(Math.max(...rotations.map((r) => r.retired.at)) + 1_000);
    await rotateSigningKey(first.pool, ACCESS_TTL_S);
    const [rows] = await first.pool.query<RowDataPacket[]>('SELECT kid FROM signing_keys WHERE private_jwk IS NOT NULL');
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.kid)).not.toContain(before);
  });
});
