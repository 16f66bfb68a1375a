import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticDiscovery } from '@sk/discovery';
import type { SkFastify } from '@sk/http';
import { TokenVerifier } from '@sk/identity';
import { buildApp } from '../src/app.js';
import { limitsFileSchema, loadLimits, type LimitsFile } from '../src/limits.js';
import { createRedis, type Redis } from '@sk/storage';
import { isolate } from '@sk/test-support';
import { TokenMint } from './fakes.js';

// An sk-app stand-in answering every request with the client address the gateway vouched for.
let upstream: FastifyInstance;
let mint: TokenMint;
const apps: SkFastify[] = [];

beforeAll(async () => {
  upstream = Fastify();
  upstream.all('/*', async (req) => ({ code: 0, client_ip: req.headers['x-sk-client-ip'] }));
  await upstream.listen({ port: 0, host: '127.0.0.1' });
  mint = await TokenMint.create();
});

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await upstream?.close();
});

const iso = isolate('gateway_limits');
const redisClients: Redis[] = [];

afterAll(async () => {
  for (const redis of redisClients) redis.disconnect();
  await iso.cleanup();
});

async function gateway(limits: LimitsFile, sharedLimits?: { redis: Redis; prefix: string }): Promise<SkFastify> {
  const address = upstream.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const app = buildApp({
    discovery: new StaticDiscovery(`sk-app=127.0.0.1:${port}`),
    verifier: new TokenVerifier(async () => mint.jwks),
    upstreamTimeoutMs: 1_000,
    limits: limitsFileSchema.parse(limits),
    ...(sharedLimits ? { sharedLimits } : {}),
    logLevel: 'silent',
  });
  apps.push(app);
  await app.ready();
  return app;
}

async function refusals(app: SkFastify): Promise<number> {
  const metric = await app.metrics.getSingleMetric('gateway_rate_limited_total')?.get();
  return metric?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
}

describe('rate limits at the gateway', () => {
  it('holds back a flooding user with 429/1104 and Retry-After while another user gets through', async () => {
    const app = await gateway({ rules: [{ name: 'user', by: 'user', rate: 2, burst: 3, nodelay: true }] });
    const [flooder, other] = [await mint.sign(1, ['user']), await mint.sign(2, ['user'])];
    const kill = (token: string) =>
      app.inject({ method: 'POST', url: '/sec/kill', headers: { authorization: `Bearer ${token}` }, payload: {} });

    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await kill(flooder));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 429, 429, 429, 429, 429, 429]);
    const refused = answers.at(-1)!;
    expect(refused.json()).toMatchObject({ code: 1104 });
    expect(refused.headers['retry-after']).toBe('1');
    expect((await kill(other)).statusCode).toBe(200);
    expect(await refusals(app)).toBe(6);
  });

  it('holds a request within the burst for its slot instead of refusing it', async () => {
    const app = await gateway({ rules: [{ name: 'route', by: 'route', path: '/sec/list', rate: 10, burst: 1 }] });
    // Three at once: the second waits 100 ms for its slot, the third would exceed the burst.
    const answers = await Promise.all([1, 2, 3].map(() => app.inject({ method: 'GET', url: '/sec/list' })));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 429]);
    expect(answers[2]!.headers['retry-after']).toBe('1');
    expect((await app.inject({ method: 'GET', url: '/sec/info' })).statusCode).toBe(200);
  });

  it('keys clients by socket address, believing X-Forwarded-For only from trusted proxies', async () => {
    const app = await gateway({ trustedProxies: ['10.0.0.0/24'], rules: [{ name: 'client', by: 'ip', rate: 1, burst: 0, nodelay: true }] });
    const from = (remoteAddress: string, xff?: string) =>
      app.inject({ method: 'GET', url: '/sec/list', remoteAddress, headers: xff ? { 'x-forwarded-for': xff } : {} });

    // A client naming other addresses is still itself.
    expect((await from('203.0.113.9', '198.51.100.1')).json()).toMatchObject({ client_ip: '203.0.113.9' });
    expect((await from('203.0.113.9', '198.51.100.2')).statusCode).toBe(429);

    // Behind a trusted proxy each forwarded client has its own bucket, even through two proxies.
    expect((await from('10.0.0.1', '198.51.100.1')).json()).toMatchObject({ client_ip: '198.51.100.1' });
    expect((await from('10.0.0.1', '198.51.100.2, 10.0.0.7')).json()).toMatchObject({ client_ip: '198.51.100.2' });
    expect((await from('10.0.0.1', '198.51.100.1')).statusCode).toBe(429);
    // The first untrusted hop from the right counts, not what the client prepended.
    expect((await from('10.0.0.1', '192.0.2.1, 198.51.100.1')).statusCode).toBe(429);
  });

  it('never limits /health or /metrics, nor exempt addresses', async () => {
    const app = await gateway({ exempt: ['127.0.0.0/8'], rules: [{ name: 'client', by: 'ip', rate: 1, burst: 0, nodelay: true }] });
    for (let i = 0; i < 5; i++) {
      for (const url of ['/health', '/metrics'])
        expect((await app.inject({ method: 'GET', url, remoteAddress: '203.0.113.9' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/sec/list', remoteAddress: '127.0.0.1' })).statusCode).toBe(200);
    }
    expect((await app.inject({ method: 'GET', url: '/sec/list', remoteAddress: '203.0.113.9' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/sec/list', remoteAddress: '203.0.113.9' })).statusCode).toBe(429);
  });
});

describe('per-user limits shared by several gateways', () => {
  const sharedRule: LimitsFile = { rules: [{ name: 'user', by: 'user', rate: 1, burst: 5, nodelay: true, shared: true }] };
  const redisFor = (options: Parameters<typeof createRedis>[1] = {}) => {
    const redis = createRedis(iso.redisUrl, options);
    redisClients.push(redis);
    return redis;
  };

  it('gives a user one limit across gateways, not one per gateway', async () => {
    const prefix = `${iso.redisPrefix}ratelimit:`;
    const gateways = [await gateway(sharedRule, { redis: redisFor(), prefix }), await gateway(sharedRule, { redis: redisFor(), prefix })];
    const alice = await mint.sign(801, ['user']);
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        gateways[i % 2]!.inject({ method: 'GET', url: '/sec/list', headers: { authorization: `Bearer ${alice}` } }).then(
          (r) => r.statusCode,
        ),
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(6); // burst 5, plus the one the rate allows
    expect(statuses.filter((s) => s === 429)).toHaveLength(14);
    const bob = await mint.sign(802, ['user']);
    expect((await gateways[1]!.inject({ method: 'GET', url: '/sec/list', headers: { authorization: `Bearer ${bob}` } })).statusCode).toBe(
      200,
    );
  });

  it('lets requests through while Redis cannot be asked', async () => {
    const unreachable = createRedis('redis://127.0.0.1:1/0', { enableOfflineQueue: false, retryStrategy: () => null, lazyConnect: true });
    const app = await gateway(sharedRule, { redis: unreachable, prefix: `${iso.redisPrefix}down:` });
    const carol = await mint.sign(803, ['user']);
    for (let i = 0; i < 10; i++) {
      expect((await app.inject({ method: 'GET', url: '/sec/list', headers: { authorization: `Bearer ${carol}` } })).statusCode).toBe(200);
    }
  });

  it('is refused for per-address rules, and without Redis', async () => {
    expect(limitsFileSchema.safeParse({ rules: [{ name: 'ip', by: 'ip', rate: 1, burst: 1, shared: true }] }).success).toBe(false);
    await expect(gateway(sharedRule)).rejects.toThrow(/shared/);
  });
});

describe('limits file', () => {
  const shipped = fileURLToPath(new URL('../../../deploy/gateway-limits.json', import.meta.url));

  it('reads the shipped file; the environment replaces its trusted proxies', () => {
    expect(loadLimits(shipped).rules.length).toBeGreaterThan(0);
    expect(loadLimits(shipped, ['10.1.0.0/16']).trustedProxies).toEqual(['10.1.0.0/16']);
  });

  it('refuses a malformed file, naming the problem', () => {
    expect(() => limitsFileSchema.parse({ rules: [{ name: 'x', by: 'planet', rate: 1, burst: 1 }] })).toThrow();
    expect(() => limitsFileSchema.parse({ rules: [], extra: 1 })).toThrow();
    expect(() => loadLimits('/nonexistent/limits.json')).toThrow(/nonexistent/);
  });
});
