import type { Redis as NodeRedis } from 'ioredis';
import { AnswerCounts, Blacklist } from '@sk/seckill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { publishBlacklistChanges, redisKeys, requestSignature, signKeyFor, type ActivityBook, type BlacklistChange } from '@sk/seckill';
import { createBlockingRedis, createRedis, type Redis } from '@sk/storage';
import type { ZkSession } from '@sk/zookeeper';
import { TokenMint, activity, bookWith, isolate, until } from '@sk/test-support';
import { Admission } from '../src/admission.js';
import { buildApp } from '../src/app.js';
import { AutoBan, type AutoBanOptions } from '../src/auto-ban.js';
import { RelayClient } from '../src/relay.js';
import { Seckill } from '../src/seckill.js';
import { SoldCounts } from '../src/sold-counts.js';

const iso = isolate('sk_app_blacklist');
const keys = redisKeys(iso.redisPrefix);
const secret = 'secret-of-this-test-0123456789';
const silent = pino({ level: 'silent' });

let redis: Redis;
let zk: ZkSession;
let book: ActivityBook;
let tokens: TokenMint;
const instances: { close(): Promise<void> }[] = [];

/** One sk-app instance: its own subscriber, blacklist, relay and app. No sk-core runs: relayed attempts end in 1108. */
async function startInstance(name: string, opts: { autoBan?: Omit<AutoBanOptions, 'flushMs'>; trustedProxies?: string[] } = {}) {
  const subscriber = createBlockingRedis(iso.redisUrl);
  const blacklist = new Blacklist(redis, subscriber, keys, silent);
  await blacklist.start();
  const autoBan = opts.autoBan && new AutoBan(redis, keys, blacklist, silent, { ...opts.autoBan, flushMs: 50 });
  autoBan?.start();
  const relay = new RelayClient(redis, createBlockingRedis(iso.redisUrl), keys, silent, {
    instanceId: name,
    timeoutMs: 100,
    maxPending: 100,
    lists: [keys.requests],
    maxDepth: 10_000,
  });
  relay.start();
  const seckill = new Seckill({ book, relay, soldCounts: new SoldCounts(redis, keys, 0), redis, keys, secret, secTimeWindowMs: 30_000 });
  const admission = new Admission(blacklist, autoBan, new Set(opts.trustedProxies ?? []));
  const answers = new AnswerCounts(book, redis, keys, silent);
  const app = buildApp({ seckill, verifier: tokens.verifier(), admission, answers, ready: () => true, logLevel: 'silent' });
  await app.ready();
  const instance = {
    subscriber,
    blacklist,
    autoBan,
    /** One signed attempt by `userId`, as if from `ip` (through the gateway, or straight from the socket `peer`). */
    async kill(userId: number, ip = '203.0.113.1', peer = '127.0.0.1') {
      const body = { product_id: 1, sec_time: Date.now(), nonce: `n-${Math.random().toString(36).slice(2)}` };
      const sign = requestSignature(signKeyFor(secret, userId), { ...body, user_id: userId });
      const res = await app.inject({
        method: 'POST',
        url: '/sec/kill',
        payload: { ...body, sign },
        remoteAddress: peer,
        headers: { authorization: `Bearer ${await tokens.sign(userId)}`, 'x-sk-client-ip': ip },
      });
      return res.json().code as number;
    },
    async close() {
      await app.close();
      autoBan?.stop();
      await relay.stop();
      blacklist.stop();
      subscriber.disconnect();
    },
  };
  instances.push(instance);
  return instance;
}

const operatorBan = (kind: 'user' | 'ip', value: string, on: boolean): BlacklistChange => ({
  source: 'operator',
  kind,
  value,
  entry: on ? { reason: 'test', expires_at: null } : null,
});

beforeAll(async () => {
  redis = createRedis(iso.redisUrl);
  ({ zk, book } = await bookWith(iso.zkRoot, [activity({ activity_id: 1, product_id: 1, total: 1_000 })]));
  tokens = await TokenMint.create();
});

afterAll(async () => {
  await Promise.all(instances.map((i) => i.close()));
  book.stop();
  zk.close();
  redis.disconnect();
  await iso.cleanup();
});

describe('blacklists in sk-app', () => {
  it('loads the lists at start and refuses a listed user or IP with 1109, before the relay', async () => {
    await publishBlacklistChanges(redis, keys, [operatorBan('user', '500', true), operatorBan('ip', '198.51.100.7', true)]);
    const app = await startInstance('sk-app-start');
    expect(await app.kill(500)).toBe(1109);
    expect(await app.kill(501, '198.51.100.7')).toBe(1109);
    expect(await redis.llen(keys.requests)).toBe(0);
    expect(await app.kill(501)).toBe(1108);
    await redis.del(keys.requests);
  });

  it('sees a ban and its removal on two instances within 2 s', async () => {
    const [a, b] = [await startInstance('sk-app-a'), await startInstance('sk-app-b')];
    await publishBlacklistChanges(redis, keys, [operatorBan('user', '600', true), operatorBan('ip', '2001:db8::9', true)]);
    await until(async () => (await a.kill(600)) === 1109 && (await b.kill(600)) === 1109, 2_000);
    await until(async () => (await a.kill(601, '2001:db8::9')) === 1109 && (await b.kill(601, '2001:db8::9')) === 1109, 2_000);
    await publishBlacklistChanges(redis, keys, [operatorBan('user', '600', false)]);
    await until(async () => (await a.kill(600)) !== 1109 && (await b.kill(600)) !== 1109, 2_000);
    await redis.del(keys.requests);
  });

  it('reloads everything after a reconnect, catching changes announced while it was away', async () => {
    const app = await startInstance('sk-app-reconnect');
    // The connection drops (ioredis reconnects by itself); the change is announced to nobody listening.
    (app.subscriber as NodeRedis).stream.destroy();
    await publishBlacklistChanges(redis, keys, [operatorBan('user', '700', true)]);
    expect(app.blacklist.blocks('user', '700')).toBe(false);
    await until(() => app.blacklist.blocks('user', '700'), 2_000);
    // And it hears announcements again.
    await publishBlacklistChanges(redis, keys, [operatorBan('user', '700', false)]);
    await until(() => !app.blacklist.blocks('user', '700'), 2_000);
  });

  it('believes x-sk-client-ip only from loopback or a trusted proxy', async () => {
    await publishBlacklistChanges(redis, keys, [operatorBan('ip', '192.0.2.66', true)]);
    const app = await startInstance('sk-app-proxy', { trustedProxies: ['10.0.0.5'] });
    await until(() => app.blacklist.blocks('ip', '192.0.2.66'), 2_000);
    expect(await app.kill(801, '192.0.2.66', '127.0.0.1')).toBe(1109);
    expect(await app.kill(801, '192.0.2.66', '10.0.0.5')).toBe(1109);
    // An untrusted peer claiming a banned address is judged by its own; a banned peer cannot hide behind the header.
    expect(await app.kill(801, '192.0.2.66', '10.0.0.6')).not.toBe(1109);
    expect(await app.kill(801, '203.0.113.50', '::ffff:192.0.2.66')).toBe(1109);
    await redis.del(keys.requests);
  });
});

describe('automatic bans', () => {
  const autoBan = { maxRequests: 5, windowMs: 10_000, banMs: 1_500, exemptLoopback: true };

  it('bans a user past the limit counted across instances, everywhere, until it expires', async () => {
    const [a, b] = [await startInstance('sk-app-auto-a', { autoBan }), await startInstance('sk-app-auto-b', { autoBan })];
    // 3 + 3 attempts: neither instance alone is past 5, together they are.
    for (let i = 0; i < 3; i++) expect([await a.kill(900, '127.0.0.1'), await b.kill(900, '127.0.0.1')]).toEqual([1108, 1108]);
    await until(async () => (await a.kill(900, '127.0.0.1')) === 1109 && (await b.kill(900, '127.0.0.1')) === 1109, 2_000);
    const [entry] = Object.values(await redis.hgetall(keys.blacklist('auto', 'user'))).map((raw) => JSON.parse(raw));
    expect(entry).toMatchObject({ reason: expect.stringContaining('more than 5') });
    expect(entry.expires_at).toBeGreaterThan(Date.now());
    // The loopback address it came from is not banned: another user from it still passes.
    expect(await a.kill(901, '127.0.0.1')).toBe(1108);
    // A ban ends on its own.
    await until(async () => (await a.kill(900, '127.0.0.1')) !== 1109, 4_000);
    await redis.del(keys.requests);
  });

  it('bans a non-loopback IP whatever users it sends', async () => {
    const app = await startInstance('sk-app-auto-ip', { autoBan });
    for (let user = 1_000; user < 1_006; user++) await app.kill(user, '198.51.100.99');
    await until(async () => (await app.kill(1_010, '198.51.100.99')) === 1109, 2_000);
    expect(await app.kill(1_011, '198.51.100.100')).toBe(1108);
    await redis.del(keys.requests);
  });
});
