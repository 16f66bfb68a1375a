import { SignJWT, exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AUDIENCE, AuthUnavailableError, ISSUER, RemoteTokenChecker, TokenVerifier, endorse, type Identity } from '../src/index.js';
import { TokenCache } from '../src/cache.js';

type Key = Awaited<ReturnType<typeof generateKeyPair>> & { kid: string };

async function key(kid: string): Promise<Key> {
  return { ...(await generateKeyPair('EdDSA', { extractable: true })), kid };
}

async function publicJwk(k: Key) {
  const { kty, crv, x } = await exportJWK(k.publicKey);
  return { kty: kty as 'OKP', crv: crv as 'Ed25519', x: x!, kid: k.kid };
}

async function jwksOf(...keys: Key[]): Promise<JSONWebKeySet> {
  return { keys: await Promise.all(keys.map(async (k) => ({ ...(await publicJwk(k)), alg: 'EdDSA', use: 'sig' }))) };
}

/** `keys` as auth serves them after `endorser` endorsed `successor`, retiring itself at `until` (seconds). */
async function rotatedSet(endorser: Key, successor: Key, until: number, keys: Key[] = [endorser, successor]) {
  const endorsement = await endorse(endorser.kid, endorser.privateKey, {
    key: await publicJwk(successor),
    activeFrom: seconds(),
    endorserUntil: until,
  });
  return { ...(await jwksOf(...keys)), endorsements: [endorsement] };
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
    let served: JSONWebKeySet = await jwksOf(old);
    const verifier = new TokenVerifier(async () => served);
    const early = await token(old, { expiresAt: seconds() + 600, notBefore: seconds() + 10 });
    expect(await verifier.verify(early)).toBeNull();
    const fresh = await token(rotated, { expiresAt: seconds() + 600 });
    expect(await verifier.verify(fresh)).toBeNull();
    // Keys are fetched again at most every 5 s, once a token names an unknown one.
    served = await rotatedSet(old, rotated, seconds() + 3_600);
    vi.setSystemTime(Date.now() + 11_000);
    expect(await verifier.verify(fresh)).toEqual(user7);
    expect(await verifier.verify(early)).toEqual(user7);
  });
});

describe('TokenVerifier keys', () => {
  /** A verifier fetching whatever `serve` returns when asked, on a fake clock so fetches 5 s apart can be made. */
  function fetching(serve: () => Promise<JSONWebKeySet>) {
    vi.useFakeTimers({ toFake: ['Date'] });
    const source = vi.fn(serve);
    const later = () => vi.setSystemTime(Date.now() + 6_000);
    return { source, later, verifier: new TokenVerifier(source) };
  }

  it('never drops a known key because a later set lacks it', async () => {
    const [k1, k2] = [await key('k1'), await key('k2')];
    let served: JSONWebKeySet = await jwksOf(k1);
    const { later, verifier } = fetching(async () => served);
    expect(await verifier.verify(await token(k1, { expiresAt: seconds() + 600 }))).toEqual(user7);
    // An empty set, then one without k1: k1's new tokens still verify.
    served = { keys: [] };
    later();
    expect(await verifier.verify(await token(k2, { expiresAt: seconds() + 600 }))).toBeNull();
    served = await rotatedSet(k1, k2, seconds() + 3_600, [k2]);
    later();
    expect(await verifier.verify(await token(k2, { expiresAt: seconds() + 600 }))).toEqual(user7);
    expect(await verifier.verify(await token(k1, { expiresAt: seconds() + 600, sub: '8' }))).toMatchObject({ userId: 8 });
  });

  it('never swaps a known key for another under the same id', async () => {
    const [real, impostor, k2] = [await key('k1'), await key('k1'), await key('k2')];
    let served: JSONWebKeySet = await jwksOf(real);
    const { later, verifier } = fetching(async () => served);
    expect(await verifier.verify(await token(real, { expiresAt: seconds() + 600 }))).toEqual(user7);
    // A token naming a new key makes the verifier fetch again, and the answer swaps k1.
    served = await rotatedSet(real, k2, seconds() + 3_600, [impostor, k2]);
    later();
    expect(await verifier.verify(await token(k2, { expiresAt: seconds() + 600 }))).toEqual(user7);
    expect(await verifier.verify(await token(impostor, { expiresAt: seconds() + 600, sub: '8' }))).toBeNull();
    expect(await verifier.verify(await token(real, { expiresAt: seconds() + 600, sub: '9' }))).toMatchObject({ userId: 9 });
  });

  it('takes a key served later only when a known key endorsed it', async () => {
    const [real, rogue, rogue2] = [await key('k1'), await key('rogue'), await key('rogue2')];
    let served: JSONWebKeySet = await jwksOf(real);
    const { source, later, verifier } = fetching(async () => served);
    expect(await verifier.verify(await token(real, { expiresAt: seconds() + 600 }))).toEqual(user7);
    // Served bare, endorsed by itself, and by a forger claiming to be k1: none is taken.
    const forged = await endorse('k1', rogue.privateKey, { key: await publicJwk(rogue), activeFrom: seconds(), endorserUntil: seconds() });
    const selfMade = (await rotatedSet(rogue, rogue2, seconds())).endorsements;
    served = { ...(await jwksOf(real, rogue, rogue2)), endorsements: [forged, ...selfMade] } as JSONWebKeySet;
    later();
    expect(await verifier.verify(await token(rogue, { expiresAt: seconds() + 600, sub: '1' }))).toBeNull();
    expect(await verifier.verify(await token(rogue2, { expiresAt: seconds() + 600, sub: '1' }))).toBeNull();
    expect(source).toHaveBeenCalledTimes(2);
    // The forged endorsement's retirement was not taken either.
    expect(await verifier.verify(await token(real, { expiresAt: seconds() + 600, sub: '8' }))).toMatchObject({ userId: 8 });
  });

  it('follows a chain of rotations, and a key that retired itself verifies nothing once its time is up', async () => {
    const [k1, k2, k3] = [await key('k1'), await key('k2'), await key('k3')];
    let served: JSONWebKeySet = await jwksOf(k1);
    const { later, verifier } = fetching(async () => served);
    const fromK1 = await token(k1, { expiresAt: seconds() + 60 });
    expect(await verifier.verify(fromK1)).toEqual(user7);
    // Two rotations happened while this verifier was not looking: k1 → k2 → k3, only k3 still served.
    const retireK1 = seconds() + 60;
    const k1ToK2 = (await rotatedSet(k1, k2, retireK1)).endorsements;
    const k2ToK3 = (await rotatedSet(k2, k3, seconds() + 120)).endorsements;
    served = { ...(await jwksOf(k3)), endorsements: [...k2ToK3, ...k1ToK2] } as JSONWebKeySet;
    later();
    expect(await verifier.verify(await token(k3, { expiresAt: seconds() + 600 }))).toEqual(user7);
    expect(await verifier.verify(await token(k2, { expiresAt: seconds() + 600, sub: '8' }))).toMatchObject({ userId: 8 });
    expect(await verifier.verify(await token(k1, { expiresAt: seconds() + 600, sub: '9' }))).toMatchObject({ userId: 9 });
    vi.setSystemTime((retireK1 + 1) * 1000);
    expect(await verifier.verify(await token(k1, { expiresAt: seconds() + 600, sub: '10' }))).toBeNull();
    expect(await verifier.verify(await token(k2, { expiresAt: seconds() + 600, sub: '11' }))).toMatchObject({ userId: 11 });
  });

  it('has no keys, and answers auth unavailable, until a set holds a usable one', async () => {
    const ed25519 = await key('k1');
    const rsa = { ...(await exportJWK((await generateKeyPair('RS256', { extractable: true })).publicKey)), kid: 'rsa' };
    let served: JSONWebKeySet = { keys: [] };
    const { verifier } = fetching(async () => served);
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
