import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JSONWebKeySet } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Discovery, ServiceInstance } from '@sk/discovery';
import { TokenMint } from '@sk/test-support';
import { authTokenVerifier } from '../src/index.js';

/** An auth stand-in answering `/oauth/jwks` with whatever `keys` holds now. */
interface JwksServer {
  port: number;
  url: string;
  keys: JSONWebKeySet;
  hits: number;
}

const servers: Server[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function jwksServer(keys: JSONWebKeySet): Promise<JwksServer> {
  const state = { port: 0, url: '', keys, hits: 0 };
  const server = createServer((_req, res) => {
    state.hits += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state.keys));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${state.port}`;
  return state;
}

/** Discovery whose `auth` instances the test sets, as a registry anyone could write to would hand them out. */
function discoveryOf(...auths: JwksServer[]): Discovery & { set(...auths: JwksServer[]): void } {
  let instances: ServiceInstance[] = [];
  const d = {
    connected: true,
    set(...list: JwksServer[]) {
      instances = list.map((s) => ({ id: `auth-${s.port}`, service: 'auth', host: '127.0.0.1', port: s.port, weight: 1 }));
    },
    register: async () => {},
    instances: (service: string) => (service === 'auth' ? instances : []),
    watch: async () => {},
    close: async () => {},
  };
  d.set(...auths);
  return d;
}

/** Past the verifier's 5 s between fetches. */
const later = () => vi.setSystemTime(Date.now() + 6_000);

describe('authTokenVerifier', () => {
  it('with AUTH_URL, fetches keys from it alone, and takes no key it serves later unless a known key endorsed it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const [first, unendorsed, rogueKey] = [await TokenMint.create('k1'), await TokenMint.create('k2'), await TokenMint.create('rogue')];
    const auth = await jwksServer(first.jwks);
    const rogue = await jwksServer(rogueKey.jwks);
    const verifier = authTokenVerifier(discoveryOf(rogue), auth.url);
    expect(await verifier.verify(await first.sign(7))).toMatchObject({ userId: 7 });
    auth.keys = { keys: [...first.jwks.keys, ...unendorsed.jwks.keys] };
    later();
    expect(await verifier.verify(await unendorsed.sign(8))).toBeNull();
    expect(await verifier.verify(await first.sign(9))).toMatchObject({ userId: 9 });
    expect(await verifier.verify(await rogueKey.sign(1, ['admin']))).toBeNull();
    expect(rogue.hits).toBe(0);
  });

  it('without AUTH_URL, keeps the first key set found in discovery: an auth instance registered later cannot add a key of its own', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const [real, rogueKey] = [await TokenMint.create('k1'), await TokenMint.create('rogue')];
    const auth = await jwksServer(real.jwks);
    // The rogue serves the real key too, plus its own; then it is all discovery offers.
    const rogue = await jwksServer({ keys: [...real.jwks.keys, ...rogueKey.jwks.keys] });
    const discovery = discoveryOf(auth);
    const verifier = authTokenVerifier(discovery);
    expect(await verifier.verify(await real.sign(7))).toMatchObject({ userId: 7 });
    discovery.set(rogue);
    later();
    expect(await verifier.verify(await rogueKey.sign(1, ['admin']))).toBeNull();
    expect(await verifier.verify(await real.sign(8))).toMatchObject({ userId: 8 });
    // Asked, as a rotated key may come from any instance, but its own key was endorsed by no known one.
    expect(rogue.hits).toBe(1);
  });

  it('without AUTH_URL, an instance answering an empty set does not lock out the known key', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const real = await TokenMint.create('k1');
    const auth = await jwksServer(real.jwks);
    const empty = await jwksServer({ keys: [] });
    const discovery = discoveryOf(auth);
    const verifier = authTokenVerifier(discovery);
    expect(await verifier.verify(await real.sign(7))).toMatchObject({ userId: 7 });
    discovery.set(empty);
    later();
    // An unknown key id would have made the old verifier fetch, and replace its keys with none.
    expect(await verifier.verify(await (await TokenMint.create('other')).sign(1))).toBeNull();
    expect(await verifier.verify(await real.sign(8))).toMatchObject({ userId: 8 });
  });
});
