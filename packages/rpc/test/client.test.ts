import CircuitBreaker from 'opossum';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { ZookeeperDiscovery, type ServiceInstance } from '@sk/discovery';
import { ZkSession } from '@sk/zookeeper';
import { isolate, startService, until, type Isolation, type RunningService } from '@sk/test-support';
import {
  CheckAnswerSeal,
  RpcClient,
  RpcError,
  UnsealedAnswerError,
  authServiceDefinition,
  checkTokenOver,
  type BreakerMaker,
  type RpcCall,
} from '../src/index.js';

// Two real auth processes, each serving CheckToken on its own gRPC port and registered with it in ZooKeeper.
let iso: Isolation;
let zk: ZkSession;
let auths: RunningService[];
let discovery: ZookeeperDiscovery;
let client: RpcClient;
let token: string;
const breakers = new Map<string, CircuitBreaker>();
const calls = new Map<string, number>();
const traced: RpcCall[] = [];

const breaker: BreakerMaker = (instance: ServiceInstance, action) => {
  const b = new CircuitBreaker(
    (send: Parameters<typeof action>[0]) => {
      calls.set(instance.id, (calls.get(instance.id) ?? 0) + 1);
      return action(send);
    },
    { timeout: false, volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeout: 60_000 },
  );
  breakers.set(instance.id, b);
  return b;
};

beforeAll(async () => {
  iso = isolate('rpc_client');
  seal = new CheckAnswerSeal(iso.env.SK_SECRET!);
  const env = { ...iso.env, GRPC_PORT: '0', SK_ADMIN_USER: 'admin', SK_ADMIN_PASSWORD: 'admin123' };
  // One after the other: the first one migrates the database.
  auths = [await startService('auth', env)];
  auths.push(await startService('auth', env));
  zk = new ZkSession({ hosts: iso.zkHosts });
  await zk.waitConnected();
  discovery = new ZookeeperDiscovery(zk, iso.zkRoot);
  client = new RpcClient({
    service: 'auth',
    definition: authServiceDefinition(),
    discovery,
    breaker,
    deadlineMs: 500,
    tracer: { trace: (call, send) => (traced.push(call), send()) },
  });
  await client.watch();
  await until(() => discovery.instances('auth').length === 2);
  const login = await fetch(`${auths[0]!.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', username: 'admin', password: 'admin123' }),
  });
  token = String(((await login.json()) as { access_token: string }).access_token);
});

afterAll(async () => {
  client?.close();
  await Promise.all((auths ?? []).map((a) => a.stop('SIGKILL')));
  zk?.close();
  await iso?.cleanup();
});

let seal: CheckAnswerSeal;
const checkToken = () => checkTokenOver(client, seal)(token);

describe('RpcClient against real auth instances', () => {
  it("answers CheckToken, balanced evenly over both instances' gRPC ports, each call traced", async () => {
    for (let i = 0; i < 10; i++) {
      const checked = await checkToken();
      expect(checked?.identity).toMatchObject({ username: 'admin', roles: expect.arrayContaining(['admin']) });
      expect(checked!.expiresAt).toBeGreaterThan(Date.now());
    }
    expect([...calls.values()]).toEqual([5, 5]);
    expect(traced).toHaveLength(10);
    expect(traced[0]).toMatchObject({ service: 'auth', method: 'CheckToken' });
    expect(await checkTokenOver(client, seal)('not-a-token')).toBeNull();
  });

  it('believes no answer sealed with another secret: an instance anyone registered as auth cannot vouch for a token', async () => {
    const stranger = new CheckAnswerSeal('not-the-suite-secret-at-all');
    await expect(checkTokenOver(client, stranger)(token)).rejects.toBeInstanceOf(UnsealedAnswerError);
    await expect(checkTokenOver(client, stranger)('not-a-token')).rejects.toBeInstanceOf(UnsealedAnswerError);
  });

  it('keeps answering on the survivor when one instance is killed, and opens the dead one’s breaker', async () => {
    const [dead, survivor] = discovery.instances('auth');
    await auths.find((a) => a.port === dead!.port)!.stop('SIGKILL');
    const results = await Promise.all(Array.from({ length: 20 }, () => checkToken()));
    expect(results.every((r) => r?.identity.username === 'admin')).toBe(true);
    expect(breakers.get(dead!.id)!.opened).toBe(true);
    expect(breakers.get(survivor!.id)!.closed).toBe(true);
  });

  it('closes the channel and breaker of an instance once it left discovery', async () => {
    const dead = [...breakers.entries()].find(([, b]) => b.opened)![0];
    await until(() => discovery.instances('auth').length === 1, 30_000);
    await checkToken();
    expect(breakers.get(dead)!.isShutdown).toBe(true);
  });

  it('fails with DEADLINE_EXCEEDED, within its deadline, when the instance does not answer', async () => {
    const [live] = discovery.instances('auth');
    const survivor = auths.find((a) => a.port === live!.port)!;
    survivor.child.kill('SIGSTOP');
    try {
      const started = Date.now();
      const err = await checkToken().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RpcError);
      expect((err as RpcError).code).toBe(status.DEADLINE_EXCEEDED);
      // Bounded by the 500 ms deadline (with room for a loaded machine), not by any connection timeout.
      expect(Date.now() - started).toBeLessThan(2_500);
    } finally {
      survivor.child.kill('SIGCONT');
    }
  });
});
