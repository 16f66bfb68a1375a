import { SignJWT, exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AUDIENCE, AuthUnavailableError, ISSUER, RemoteTokenChecker, TokenVerifier, type Identity } from '../src/index.js';
import { TokenCache } from '../src/cache.js';

type Key = Awaited<ReturnType<typeof generateKeyPair>> & { kid: string };

async function key(kid: string): Promise<Key> {
  return { ...(await generateKeyPair('EdDSA', { extractable: true })), kid };
}

async function jwksOf(...keys: Key[]): Promise<JSONWebKeySet> {
  return { keys: await Promise.all(keys.map(async (k) => ({ ...(await exportJWK(k.publicKey)), kid: k.kid, alg: 'EdDSA', use: 'sig' }))) };
}

/** An access token as auth signs it; `expiresAt` and `notBefore` in seconds since the epoch. */
function token(signer: Key, { sub = '7', expiresAt, notBefore }: { sub?: string; expiresAt: number; notBefore?: number }): Promise<string> {
  const jwt = new SignJWT({ username: `user${sub}`, roles: ['shopper'] })
    .setProtectedHeader({ alg: 'EdDSA', kid: signer.kid, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(sub)
    .setExpirationTime(expiresAt);
  if (notBefore !== undefined) jwt.setNotBefore(notBefore);
  return jwt.sign(signer.privateKey);
}

const seconds = () => Math.floor(Date.now() / 1000);
const user7: Identity = { userId: 7, username: 'user7', roles: ['shopper'] };

afterEach(() => {
  vi.useRealTimers();
});

describe('TokenVerifier', () => {
  it('accepts a valid token and refuses an expired, a forged and a malformed one', async () => {
    const auth = await key('k1');
    const forger = await key('k1');
    const verifier = new TokenVerifier(async () => jwksOf(auth));
    expect(await verifier.verify(await token(auth, { expiresAt: seconds() + 60 }))).toEqual(user7);
    expect(await verifier.verify(await token(auth, { expiresAt: seconds() - 60 }))).toBeNull();
    expect(await verifier.verify(await token(forger, { expiresAt: seconds() + 60 }))).toBeNull();
    expect(await verifier.verify('not.a.token')).toBeNull();
  });

  /** A verifier on a fake clock, and a token of user 7 valid for another minute. */
  async function onFakeClock() {
    vi.useFakeTimers({ toFake: ['Date'] });
    const auth = await key('k1');
    const expiresAt = seconds() + 60;
    return { auth, expiresAt, verifier: new TokenVerifier(async () => jwksOf(auth)), token: await token(auth, { expiresAt }) };
  }

  it('answers a refused token from memory: it is not checked again', async () => {
    const { auth, expiresAt, verifier, token: stale } = await onFakeClock();
    vi.setSystemTime((expiresAt + 1) * 1000);
    expect(await verifier.verify(stale)).toBeNull();
    // The clock goes back so that a new check would accept the token: still refused, from memory.
    vi.setSystemTime((expiresAt - 30) * 1000);
    expect(await verifier.verify(stale)).toBeNull();
    // Another token of the same user is checked as usual.
    expect(await verifier.verify(await token(auth, { expiresAt: expiresAt + 1 }))).toEqual(user7);
  });

  it('remembers a valid token past its expiry as refused', async () => {
    const { expiresAt, verifier, token: t } = await onFakeClock();
    expect(await verifier.verify(t)).toEqual(user7);
    vi.setSystemTime((expiresAt + 1) * 1000);
    expect(await verifier.verify(t)).toBeNull();
  });

  it('asks again about a token signed by a key it does not know yet, and one not valid yet', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const [old, rotated] = [await key('k1'), await key('k2')];
    let served = [old];
    const verifier = new TokenVerifier(async () => jwksOf(...served), { acceptNewKeys: true });
    const early = await token(old, { expiresAt: seconds() + 600, notBefore: seconds() + 10 });
    expect(await verifier.verify(early)).toBeNull();
    const fresh = await token(rotated, { expiresAt: seconds() + 600 });
    expect(await verifier.verify(fresh)).toBeNull();
    // Keys are fetched again at most every 5 s, once a token names an unknown one.
    served = [old, rotated];
    vi.setSystemTime(Date.now() + 11_000);
    expect(await verifier.verify(fresh)).toEqual(user7);
    expect(await verifier.verify(early)).toEqual(user7);
  });
});

describe('TokenVerifier keys', () => {
  /** A verifier fetching whatever `serve` returns when asked, on a fake clock so fetches 5 s apart can be made. */
  function fetching(serve: () => Promise<JSONWebKeySet>, acceptNewKeys: boolean) {
    vi.useFakeTimers({ toFake: ['Date'] });
    const source = vi.fn(serve);
    const later = () => vi.setSystemTime(Date.now() + 6_000);
    return { source, later, verifier: new TokenVerifier(source, { acceptNewKeys }) };
  }

  it('never drops a known key because a later set lacks it, even from a source allowed to rotate', async () => {
    const [k1, k2, k3] = [await key('k1'), await key('k2'), await key('k3')];
    let served = [k1];
    const { later, verifier } = fetching(async () => jwksOf(...served), true);
    expect(await verifier.verify(await token(k1, { expiresAt: seconds() + 600 }))).toEqual(user7);
    // An empty set, then one without k1: k1's new tokens still verify.
    served = [];
    later();
    expect(await verifier.verify(await token(k2, { expiresAt: seconds() + 600 }))).toBeNull();
    served = [k3];
    later();
    expect(await verifier.verify(await token(k3, { expiresAt: seconds() + 600 }))).toEqual(user7);
    expect(await verifier.verify(await token(k1, { expiresAt: seconds() + 600, sub: '8' }))).toMatchObject({ userId: 8 });
  });

  it('never swaps a known key for another under the same id', async () => {
    const [real, impostor, k2] = [await key('k1'), await key('k1'), await key('k2')];
    let served = [real];
    const { later, verifier } = fetching(async () => jwksOf(...served), true);
    expect(await verifier.verify(await token(real, { expiresAt: seconds() + 600 }))).toEqual(user7);
    // A token naming a new key makes the verifier fetch again, and the answer swaps k1.
    served = [impostor, k2];
    later();
    expect(await verifier.verify(await token(k2, { expiresAt: seconds() + 600 }))).toEqual(user7);
    expect(await verifier.verify(await token(impostor, { expiresAt: seconds() + 600, sub: '8' }))).toBeNull();
    expect(await verifier.verify(await token(real, { expiresAt: seconds() + 600, sub: '9' }))).toMatchObject({ userId: 9 });
  });

  it('by default trusts the first set fetched: a key served later is not taken, nor asked for', async () => {
    const [real, rogue] = [await key('k1'), await key('rogue')];
    let served = [real];
    const { source, later, verifier } = fetching(async () => jwksOf(...served), false);
    expect(await verifier.verify(await token(real, { expiresAt: seconds() + 600 }))).toEqual(user7);
    served = [real, rogue];
    later();
    expect(await verifier.verify(await token(rogue, { expiresAt: seconds() + 600, sub: '1' }))).toBeNull();
    expect(source).toHaveBeenCalledTimes(1);
  });

  it('has no keys, and answers auth unavailable, until a set holds a usable one', async () => {
    const ed25519 = await key('k1');
    const rsa = { ...(await exportJWK((await generateKeyPair('RS256', { extractable: true })).publicKey)), kid: 'rsa' };
    let served: JSONWebKeySet = { keys: [] };
    const { verifier } = fetching(async () => served, false);
    const t = await token(ed25519, { expiresAt: seconds() + 600 });
    await expect(verifier.verify(t)).rejects.toBeInstanceOf(AuthUnavailableError);
    served = { keys: [rsa, { kty: 'OKP', crv: 'Ed25519', x: 'no-kid' }] };
    await expect(verifier.verify(t)).rejects.toBeInstanceOf(AuthUnavailableError);
    // Only now is a set pinned: the one holding a key tokens can be checked with.
    served = await jwksOf(ed25519);
    expect(await verifier.verify(t)).toEqual(user7);
  });
});

describe('RemoteTokenChecker', () => {
  it('asks auth once about a token it refused', async () => {
    const check = vi.fn(async (_token: string) => null);
    const checker = new RemoteTokenChecker(check);
    expect(await checker.verify('bad')).toBeNull();
    expect(await checker.verify('bad')).toBeNull();
    expect(check).toHaveBeenCalledTimes(1);
  });

  it('asks auth once about a valid token, and refuses it once it expired', async () => {
    let now = 1_000;
    const check = vi.fn(async (_token: string) => ({ identity: user7, expiresAt: 2_000 }));
    const checker = new RemoteTokenChecker(check, { now: () => now });
    expect(await checker.verify('good')).toEqual(user7);
    expect(await checker.verify('good')).toEqual(user7);
    now = 2_000;
    expect(await checker.verify('good')).toBeNull();
    expect(check).toHaveBeenCalledTimes(1);
  });
});

describe('TokenCache', () => {
  it('keeps at most maxRefused refusals, the oldest forgotten first, for refusedForMs', () => {
    let now = 0;
    const cache = new TokenCache({ maxRefused: 2, refusedForMs: 1_000, now: () => now });
    for (const t of ['a', 'b', 'c']) cache.refuse(t);
    expect(['a', 'b', 'c'].map((t) => cache.get(t))).toEqual([undefined, null, null]);
    now = 1_000;
    expect(cache.get('b')).toBeUndefined();
  });

  it('never lets refusals evict valid tokens', () => {
    const cache = new TokenCache({ maxCached: 1, maxRefused: 1 });
    cache.remember('good', user7, Date.now() + 60_000);
    for (let i = 0; i < 100; i++) cache.refuse(`bad${i}`);
    expect(cache.get('good')).toEqual(user7);
  });
});
