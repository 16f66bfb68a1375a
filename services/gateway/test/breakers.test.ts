import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StaticDiscovery } from '@sk/discovery';
import { Registry, type SkFastify } from '@sk/http';
import { TokenVerifier } from '@sk/identity';
import { freePort } from '@sk/test-support';
import { buildApp } from '../src/app.js';
import { BreakerFactory, DEFAULT_BREAKER_OPTIONS } from '../src/breakers.js';
import { until } from './fakes.js';

type Mode = 'ok' | 'busy' | 'slow' | 'conflict';

/** An sk-app stand-in whose behaviour the test switches: fine, 503, slower than the timeout, or 409. */
interface Flaky {
  port: number;
  mode: Mode;
  hits: number;
  close(): Promise<void>;
}

async function flaky(): Promise<Flaky> {
  const app: FastifyInstance = Fastify({ forceCloseConnections: true });
  const state = { mode: 'ok' as Mode, hits: 0 };
  app.all('/*', async (_req, reply) => {
    state.hits++;
    switch (state.mode) {
      case 'busy':
        return reply.code(503).send({ code: 1001, message: 'service busy' });
      case 'slow':
        await new Promise((r) => setTimeout(r, 2_000));
        return { code: 0 };
      case 'conflict':
        return reply.code(409).send({ code: 1006, message: 'buy limit reached' });
      case 'ok':
        return { code: 0 };
    }
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return Object.assign(state, { port, close: () => app.close() });
}

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

async function gateway(ports: number[]): Promise<SkFastify> {
  const app = buildApp({
    discovery: new StaticDiscovery(`sk-app=${ports.map((p) => `127.0.0.1:${p}`).join(',')}`),
    verifier: new TokenVerifier(async () => ({ keys: [] })),
    upstreamTimeoutMs: 150,
    breakers: { errorThresholdPercentage: 50, volumeThreshold: 4, resetTimeoutMs: 300, windowMs: 10_000 },
    logLevel: 'silent',
  });
  running.push(app);
  await app.ready();
  return app;
}

async function upstreams(n: number): Promise<Flaky[]> {
  const all = await Promise.all(Array.from({ length: n }, flaky));
  running.push(...all);
  return all;
}

async function send(app: SkFastify, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await app.inject({ method: 'GET', url: '/sec/list' });
    out.push(`${res.statusCode}/${res.json<{ code: number }>().code}`);
  }
  return out;
}

/** `gateway_breaker_state` of the instance at `port`, as exported on /metrics. */
async function breakerState(app: SkFastify, port: number): Promise<number | undefined> {
  const metric = await app.metrics.getSingleMetric('gateway_breaker_state')?.get();
  return metric?.values.find((v) => v.labels.instance === `sk-app-127.0.0.1-${port}`)?.value;
}

describe('circuit breakers per upstream instance', () => {
  it('opens on 5xx answers past the volume, skips the instance, and closes again after a good probe', async () => {
    const [a, b] = (await upstreams(2)) as [Flaky, Flaky];
    const app = await gateway([a.port, b.port]);
    a.mode = 'busy';
    // Turns alternate: a answers 503 (passed on, it is the client's answer) until its 4th failure opens it.
    expect(await send(app, 8)).toEqual(['503/1001', '200/0', '503/1001', '200/0', '503/1001', '200/0', '503/1001', '200/0']);
    expect(await breakerState(app, a.port)).toBe(2);
    expect(await breakerState(app, b.port)).toBe(0);

    a.hits = b.hits = 0;
    expect(await send(app, 6)).toEqual(Array(6).fill('200/0'));
    expect([a.hits, b.hits]).toEqual([0, 6]);

    a.mode = 'ok';
    await until(async () => (await breakerState(app, a.port)) === 1, 2_000);
    expect(await send(app, 6)).toEqual(Array(6).fill('200/0'));
    expect(await breakerState(app, a.port)).toBe(0);
    expect(a.hits).toBeGreaterThanOrEqual(3);
  });

  it('counts timeouts and refused connections; with every instance open it answers 503/1111 at once', async () => {
    const [slow] = (await upstreams(1)) as [Flaky];
    slow.mode = 'slow';
    const dead = await freePort();
    const app = await gateway([slow.port, dead]);
    // Each instance fails every time: the slow one times out, the dead one refuses (and that
    // request is retried on the other).
    expect(await send(app, 6)).toEqual(Array(6).fill('503/1111'));
    expect([await breakerState(app, slow.port), await breakerState(app, dead)]).toEqual([2, 2]);
    slow.hits = 0;
    expect(await send(app, 3)).toEqual(Array(3).fill('503/1111'));
    expect(slow.hits).toBe(0);
  });

  it('never opens on 4xx answers', async () => {
    const [a, b] = (await upstreams(2)) as [Flaky, Flaky];
    a.mode = b.mode = 'conflict';
    const app = await gateway([a.port, b.port]);
    expect(await send(app, 20)).toEqual(Array(20).fill('409/1006'));
    expect([await breakerState(app, a.port), await breakerState(app, b.port)]).toEqual([0, 0]);
    expect([a.hits, b.hits]).toEqual([10, 10]);
  });
});

describe('BreakerFactory', () => {
  // At sale rates a window holds a hundred thousand latencies: sorting them at every snapshot, and
  // at every failure while an instance fails, would stall the event loop each time.
  it('makes breakers that keep no latency percentiles and take no snapshots', async () => {
    vi.useFakeTimers();
    try {
      const breaker = new BreakerFactory(DEFAULT_BREAKER_OPTIONS, new Registry(), { warn() {} }).create(
        'sk-app',
        'a',
        async (n: number) => n,
      );
      const snapshots = vi.fn();
      breaker.status.on('snapshot', snapshots);
      for (let i = 0; i < 100; i++) await breaker.fire(i);
      await vi.advanceTimersByTimeAsync(3_000);
      expect(snapshots).not.toHaveBeenCalled();
      expect(breaker.stats).toMatchObject({ fires: 100, successes: 100, latencyMean: -1 });
      breaker.shutdown();
    } finally {
      vi.useRealTimers();
    }
  });
});
