import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SmoothWeightedBalancer, ZookeeperDiscovery } from '@sk/discovery';
import { Registry } from '@sk/http';
import type { SkFastify } from '@sk/http';
import { TokenVerifier } from '@sk/identity';
import { ZkSession } from '@sk/zookeeper';
import { freePort, isolate, type Isolation } from '@sk/test-support';
import { buildApp } from '../src/app.js';
import { BreakerFactory, DEFAULT_BREAKER_OPTIONS } from '../src/breakers.js';
import { sendOver } from '../src/proxy.js';
import { Upstreams } from '../src/upstreams.js';
import { registerDeadInstance, startFakeUpstream, until, type FakeUpstream } from './fakes.js';

let iso: Isolation;
let upstreamZk: ZkSession;
let gatewayZk: ZkSession;
let discovery: ZookeeperDiscovery;
let app: SkFastify;
const running: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  iso = isolate('gateway_upstreams');
  upstreamZk = new ZkSession({ hosts: iso.zkHosts });
  gatewayZk = new ZkSession({ hosts: iso.zkHosts });
  await Promise.all([upstreamZk.waitConnected(), gatewayZk.waitConnected()]);
  discovery = new ZookeeperDiscovery(gatewayZk, iso.zkRoot);
  const verifier = new TokenVerifier(async () => ({ keys: [] }));
  app = buildApp({ discovery, verifier, upstreamTimeoutMs: 300, logLevel: 'silent' });
  await app.ready();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
  await until(() => discovery.instances('sk-app').length === 0 && discovery.instances('auth').length === 0);
});

afterAll(async () => {
  await app?.close();
  upstreamZk?.close();
  gatewayZk?.close();
  await iso?.cleanup();
});

async function fake(service: string): Promise<FakeUpstream> {
  const upstream = await startFakeUpstream(service, upstreamZk, iso.zkRoot);
  running.push(upstream);
  return upstream;
}

async function deadInstance(service: string): Promise<ZookeeperDiscovery> {
  const registration = await registerDeadInstance(service, await freePort(), upstreamZk, iso.zkRoot);
  running.push(registration);
  return registration;
}

function seenInstances(count: number) {
  return until(() => discovery.instances('sk-app').length === count);
}

describe('balancing', () => {
  it('spreads requests over every instance and drops one that left discovery', async () => {
    const [a, b] = await Promise.all([fake('sk-app'), fake('sk-app')]);
    await seenInstances(2);
    for (let i = 0; i < 10; i++) expect((await app.inject({ method: 'GET', url: '/sec/list' })).statusCode).toBe(200);
    expect(a.seen.length).toBeGreaterThan(0);
    expect(b.seen.length).toBeGreaterThan(0);
    expect(a.seen.length + b.seen.length).toBe(10);

    await a.deregister();
    await seenInstances(1);
    a.seen.length = 0;
    b.seen.length = 0;
    for (let i = 0; i < 6; i++) expect((await app.inject({ method: 'GET', url: '/sec/list' })).statusCode).toBe(200);
    expect(a.seen).toHaveLength(0);
    expect(b.seen).toHaveLength(6);
  });

  it('answers 503/1111 at once when a service has no instance', async () => {
    await seenInstances(0);
    const res = await app.inject({ method: 'GET', url: '/sec/list' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 1111 });
  });

  it('retries a refused connection once on another instance, whatever the method', async () => {
    const live = await fake('sk-app');
    await deadInstance('sk-app');
    await seenInstances(2);
    for (let i = 0; i < 6; i++) {
      const res = await app.inject({ method: 'POST', url: '/sec/list', payload: { i } });
      expect(res.statusCode).toBe(200);
    }
    expect(live.seen.map((s) => JSON.parse(s.body.toString()).i)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('answers 503/1111 when the only instance refuses', async () => {
    await deadInstance('sk-app');
    await seenInstances(1);
    const res = await app.inject({ method: 'GET', url: '/sec/list' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 1111 });
  });
});

describe('upstream failures', () => {
  it('answers 503/1111 for an upstream slower than the timeout, without retrying it', async () => {
    const [a, b] = await Promise.all([fake('auth'), fake('auth')]);
    await until(() => discovery.instances('auth').length === 2);
    const res = await app.inject({ method: 'POST', url: '/oauth/slow' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 1111 });
    expect(a.seen.length + b.seen.length).toBe(1);
  });

  it('never passes an upstream 500 on: 503/1111 instead', async () => {
    await fake('auth');
    await until(() => discovery.instances('auth').length === 1);
    const res = await app.inject({ method: 'GET', url: '/oauth/broken' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 1111 });
  });
});

describe('Upstreams', () => {
  it('closes the pool of an instance that left discovery', async () => {
    const breakers = new BreakerFactory(DEFAULT_BREAKER_OPTIONS, new Registry(), { warn() {} });
    const upstreams = new Upstreams(discovery, new SmoothWeightedBalancer(), breakers, sendOver, { timeoutMs: 1_000 });
    try {
      const a = await fake('sk-app');
      await seenInstances(1);
      const picked = upstreams.pick('sk-app');
      expect(picked?.instance.id).toBe(a.instance.id);
      expect(picked?.pool.closed).toBe(false);

      await a.deregister();
      await seenInstances(0);
      expect(upstreams.pick('sk-app')).toBeUndefined();
      expect(picked?.pool.closed).toBe(true);
      expect(picked?.breaker.isShutdown).toBe(true);
    } finally {
      await upstreams.close();
    }
  });
});
