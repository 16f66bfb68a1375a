import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZookeeperDiscovery } from '@sk/discovery';
import { KILL_BATCH_PATH } from '@sk/seckill';
import { ZkSession } from '@sk/zookeeper';
import { isolate, startService, type Isolation, type RunningService } from '@sk/test-support';
import { TokenMint, startFakeUpstream, until, type FakeUpstream } from './fakes.js';

// The real process: config from the environment, self-registration, and token keys fetched from
// the auth instance found in discovery.
let iso: Isolation;
let zk: ZkSession;
let mint: TokenMint;
let auth: FakeUpstream;
let skApp: FakeUpstream;
let gateway: RunningService;

beforeAll(async () => {
  iso = isolate('gateway_main');
  zk = new ZkSession({ hosts: iso.zkHosts });
  await zk.waitConnected();
  mint = await TokenMint.create();
  auth = await startFakeUpstream('auth', zk, iso.zkRoot, mint.jwks);
  skApp = await startFakeUpstream('sk-app', zk, iso.zkRoot);
  gateway = await startService('gateway', { ...iso.env, UPSTREAM_TIMEOUT_MS: '2000' });
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([auth?.close(), skApp?.close()]);
  zk?.close();
  await iso?.cleanup();
});

describe('gateway process', () => {
  it('registers itself in discovery as gateway', async () => {
    const discovery = new ZookeeperDiscovery(zk, iso.zkRoot);
    await discovery.watch('gateway');
    expect(discovery.instances('gateway').map((i) => i.port)).toEqual([gateway.port]);
  });

  it("verifies tokens with auth's published keys and forwards the user", async () => {
    const token = await mint.sign(77, ['user']);
    const headers = { authorization: `Bearer ${token}`, 'x-sk-user-id': '999' };
    // Not JSON: forwarded alone, with the identity the gateway vouches for.
    const res = await fetch(`${gateway.url}/sec/kill`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/plain' },
      body: 'kill',
    });
    expect(res.status).toBe(200);
    const seen = skApp.seen.at(-1)!;
    expect(seen.url).toBe('/sec/kill');
    expect(seen.headers['x-sk-user-id']).toBe('77');
    expect(seen.headers['x-sk-client-ip']).toBe('127.0.0.1');
    expect(seen.body.toString()).toBe('kill');

    const forged = await fetch(`${gateway.url}/sec/kill`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await (await TokenMint.create()).sign(77, ['user'])}` },
    });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ code: 1103 });
  });

  it('sends JSON kills to sk-app in batches, each answered with its own answer', async () => {
    const kills = await Promise.all(
      [81, 82, 83].map(async (userId) => {
        const headers = {
          authorization: `Bearer ${await mint.sign(userId, ['user'])}`,
          'content-type': 'application/json',
          'x-sk-user-id': '999',
        };
        return { headers, body: JSON.stringify({ product_id: userId }) };
      }),
    );
    const before = skApp.seen.length;
    const answers = await Promise.all(
      kills.map(async (k) => (await (await fetch(`${gateway.url}/sec/kill`, { method: 'POST', ...k })).json()) as { kill: unknown }),
    );
    expect(answers.map((a) => a.kill)).toEqual(
      kills.map((k) => ({ authorization: k.headers.authorization, client_ip: '127.0.0.1', body: k.body })),
    );
    const batches = skApp.seen.slice(before);
    expect(batches.every((b) => b.url === KILL_BATCH_PATH && b.headers['x-sk-user-id'] === undefined)).toBe(true);
    expect(batches.flatMap((b) => JSON.parse(b.body.toString()).kills)).toHaveLength(3);
  });

  it('leaves discovery when stopped', async () => {
    const discovery = new ZookeeperDiscovery(zk, iso.zkRoot);
    await discovery.watch('gateway');
    await gateway.stop();
    await until(() => discovery.instances('gateway').length === 0);
  });
});
