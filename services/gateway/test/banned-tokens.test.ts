import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticDiscovery } from '@sk/discovery';
import type { SkFastify } from '@sk/http';
import { TokenVerifier } from '@sk/identity';
import { Blacklist, publishBlacklistChanges, redisKeys, type BlacklistChange } from '@sk/seckill';
import { createBlockingRedis, createRedis, type Redis } from '@sk/storage';
import { isolate, until } from '@sk/test-support';
import { buildApp } from '../src/app.js';
import { TokenMint } from './fakes.js';

// Stand-ins for sk-app, sk-order and sk-admin: every request they get is served.
const iso = isolate('gateway_banned_tokens');
const keys = redisKeys(iso.redisPrefix);
let upstream: FastifyInstance;
let app: SkFastify;
let mint: TokenMint;
let redis: Redis;
let subscriber: Redis;
let blacklist: Blacklist;

beforeAll(async () => {
  upstream = Fastify();
  upstream.all('/*', async () => ({ code: 0, message: 'ok' }));
  await upstream.listen({ port: 0, host: '127.0.0.1' });
  const { port } = upstream.server.address() as { port: number };
  mint = await TokenMint.create();
  redis = createRedis(iso.redisUrl);
  subscriber = createBlockingRedis(iso.redisUrl);
  blacklist = new Blacklist(redis, subscriber, keys, { warn: () => {} });
  await blacklist.start();
  app = buildApp({
    discovery: new StaticDiscovery(['sk-app', 'sk-order', 'sk-admin'].map((s) => `${s}=127.0.0.1:${port}`).join(';')),
    verifier: new TokenVerifier(async () => mint.jwks),
    upstreamTimeoutMs: 1_000,
    blacklist,
    logLevel: 'silent',
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await upstream?.close();
  blacklist.stop();
  subscriber.disconnect();
  redis.disconnect();
  await iso.cleanup();
});

const ban = (userId: number, on: boolean): BlacklistChange => ({
  source: 'operator',
  kind: 'user',
  value: String(userId),
  entry: on ? { reason: 'test', expires_at: null } : null,
});

describe('a banned user at the gateway', () => {
  it('finds every token of theirs refused 403/1109 within 2 s of the ban, on every route, and back once it is lifted', async () => {
    const [banned, admin, other] = [await mint.sign(31, ['user']), await mint.sign(32, ['user', 'admin']), await mint.sign(33, ['user'])];
    const calls = (token: string) =>
      Promise.all(
        ['/sec/result?product_id=1', '/orders', '/admin/products'].map(async (url) => {
          const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
          return res.json().code as number;
        }),
      );
    expect(await calls(admin)).toEqual([0, 0, 0]);
    await publishBlacklistChanges(redis, keys, [ban(31, true), ban(32, true)]);
    // (a shopper is refused an admin route before anything else: 1112)
    await until(async () => (await calls(banned)).join() === '1109,1109,1112' && (await calls(admin)).join() === '1109,1109,1109', 2_000);
    expect((await calls(other)).slice(0, 2)).toEqual([0, 0]);
    await publishBlacklistChanges(redis, keys, [ban(31, false), ban(32, false)]);
    await until(async () => (await calls(admin)).join() === '0,0,0', 2_000);
  });
});
