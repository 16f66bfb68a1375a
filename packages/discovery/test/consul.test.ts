import { afterEach, describe, expect, it } from 'vitest';
import { until } from '@sk/test-support';
import {
  ConsulDiscovery,
  MAX_WEIGHT,
  SmoothWeightedBalancer,
  createDiscovery,
  type ConsulDiscoveryOptions,
  type ServiceInstance,
} from '../src/index.js';
import { ConsulFixture } from './consul-fixture.js';

// Short pauses so outages are noticed and healed within a test's patience.
const fast: ConsulDiscoveryOptions = { resyncMs: 100, backoffMaxMs: 200 };

const a: ServiceInstance = { id: 'svc-a', service: 'svc', host: '127.0.0.1', port: 1001, grpcPort: 2001, weight: 3 };
const b: ServiceInstance = { id: 'svc-b', service: 'svc', host: '127.0.0.1', port: 1002, weight: 1 };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fixture(port?: number): Promise<ConsulFixture> {
  const f = await ConsulFixture.start(port);
  cleanups.push(() => f.stop());
  return f;
}

function discovery(url: string, options: ConsulDiscoveryOptions = fast): ConsulDiscovery {
  const d = new ConsulDiscovery(url, options);
  cleanups.push(() => d.close());
  return d;
}

function ids(d: ConsulDiscovery): string[] {
  return d
    .instances('svc')
    .map((i) => i.id)
    .sort();
}

describe('Consul discovery against the fixture', () => {
  it('registers with an HTTP check on /health and deregisters on close', async () => {
    const consul = await fixture();
    const registry = discovery(consul.url, { ...fast, checkInterval: '3s', deregisterCriticalAfter: '90s' });
    await registry.register(a);
    expect(registry.connected).toBe(true);
    expect(consul.registration('svc-a')).toEqual({
      ID: 'svc-a',
      Name: 'svc',
      Address: '127.0.0.1',
      Port: 1001,
      Meta: { weight: '3', grpc_port: '2001' },
      Check: {
        Name: 'svc /health',
        HTTP: 'http://127.0.0.1:1001/health',
        Interval: '3s',
        Timeout: '2s',
        DeregisterCriticalServiceAfter: '90s',
      },
    });
    await registry.close();
    expect(consul.registration('svc-a')).toBeUndefined();
  });

  it('follows passing instances with blocking queries', async () => {
    const consul = await fixture();
    const watcher = discovery(consul.url, { ...fast, wait: '60s' });
    const registries = [discovery(consul.url), discovery(consul.url)];
    await watcher.watch('svc');
    expect(watcher.instances('svc')).toEqual([]);
    // Each change lands while the watcher's query is held: seen within `until`'s 5 s, it was
    // answered on the change, not at the end of the 60 s wait.
    const held = () => until(() => consul.waiting('svc') === 1);

    await held();
    await registries[0]!.register(a);
    await until(() => watcher.instances('svc').length === 1);
    expect(watcher.instances('svc')).toEqual([a]);

    await held();
    await registries[1]!.register(b);
    await until(() => watcher.instances('svc').length === 2);
    expect(watcher.instances('svc').find((i) => i.id === 'svc-b')).toEqual(b);

    await held();
    consul.setStatus('svc-b', 'critical');
    await until(() => ids(watcher).join() === 'svc-a');
    await held();
    consul.setStatus('svc-b', 'passing');
    await until(() => ids(watcher).join() === 'svc-a,svc-b');

    await held();
    await registries[0]!.close();
    await until(() => ids(watcher).join() === 'svc-b');

    // Every query asked for passing instances past the index Consul had last answered.
    await held();
    const queries = consul.queries.filter((q) => q.service === 'svc');
    expect(queries.every((q) => q.passing && q.wait === '60s')).toBe(true);
    expect(queries.map((q) => Number(q.index))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(consul.indexOf('svc')).toBe(6);
  });

  it('keeps the last list while Consul is down, then registers again and resumes watching', async () => {
    const first = await ConsulFixture.start();
    const port = first.port;
    const registry = discovery(first.url);
    const watcher = discovery(first.url);
    await registry.register(a);
    await watcher.watch('svc');
    await until(() => watcher.instances('svc').length === 1);

    await first.stop();
    await until(() => !watcher.connected && !registry.connected);
    expect(watcher.instances('svc')).toEqual([a]);

    // A restarted agent knows nothing of its services until they register again.
    const second = await fixture(port);
    await until(() => second.registration('svc-a') !== undefined);
    await until(() => watcher.connected && registry.connected);
    second.setStatus('svc-a', 'critical');
    await until(() => watcher.instances('svc').length === 0);
    second.setStatus('svc-a', 'passing');
    await until(() => watcher.instances('svc').length === 1);
  });

  it('does not fail to register while Consul is down and announces once it is up', async () => {
    const probe = await ConsulFixture.start();
    const port = probe.port;
    await probe.stop();

    const registry = discovery(`http://127.0.0.1:${port}`);
    await registry.register(b);
    expect(registry.connected).toBe(false);

    const consul = await fixture(port);
    await until(() => consul.registration('svc-b') !== undefined);
    await until(() => registry.connected);
  });

  it('caps the weight a registration claims: a rogue auth instance at 1e9 gets at most MAX_WEIGHT turns to 1', async () => {
    const consul = await fixture();
    const watcher = discovery(consul.url);
    await discovery(consul.url).register({ id: 'auth-real', service: 'auth', host: '127.0.0.1', port: 9019, weight: 1 });
    // Registered as anyone reaching the agent's API could, not through ConsulDiscovery.
    const rogue = { ID: 'auth-rogue', Name: 'auth', Address: '10.6.6.6', Port: 9019, Meta: { weight: '1000000000' } };
    const res = await fetch(`${consul.url}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify(rogue) });
    expect(res.ok).toBe(true);
    await watcher.watch('auth');
    await until(() => watcher.instances('auth').length === 2);
    expect(watcher.instances('auth').find((i) => i.id === 'auth-rogue')?.weight).toBe(MAX_WEIGHT);
    const balancer = new SmoothWeightedBalancer();
    const picks = Array.from({ length: MAX_WEIGHT + 1 }, () => balancer.pick('auth', watcher.instances('auth'))!.id);
    expect(picks.filter((id) => id === 'auth-real')).toHaveLength(1);
  });

  it('is what createDiscovery returns for SK_DISCOVERY=consul', async () => {
    const consul = await fixture();
    const d = createDiscovery({ SK_DISCOVERY: 'consul', CONSUL_URL: consul.url, SK_STATIC_INSTANCES: '', ZK_ROOT: '/seckill' }, () => {
      throw new Error('ZooKeeper is not used with Consul');
    });
    cleanups.push(() => d.close());
    expect(d).toBeInstanceOf(ConsulDiscovery);
    await d.register(a);
    expect(consul.registration('svc-a')?.Port).toBe(1001);
  });
});
