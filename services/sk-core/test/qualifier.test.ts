import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis as NodeRedis } from 'ioredis';
import { ActivityBook, redisKeys, type RelayRequest } from '@sk/seckill';
import { createRedis, type Redis } from '@sk/storage';
import type { ZkSession } from '@sk/zookeeper';
import { activity, bookWith, isolate, publishActivities, until } from '@sk/test-support';
import { Qualifier, randomDraw } from '../src/qualifier.js';

const iso = isolate('qualifier');
const keys = redisKeys(iso.redisPrefix);
let redis: Redis;
let zk: ZkSession;
let book: ActivityBook;

const now = Date.now();
const activities = [
  activity({ activity_id: 1, product_id: 1, total: 50, buy_limit: 1 }),
  activity({ activity_id: 2, product_id: 2, total: 20, buy_limit: 3 }),
  activity({ activity_id: 3, product_id: 3, total: 5, status: 'disabled' }),
  activity({ activity_id: 4, product_id: 4, start_time: now + 3_600_000, end_time: now + 7_200_000 }),
  activity({ activity_id: 5, product_id: 5, start_time: now - 7_200_000, end_time: now - 3_600_000 }),
  activity({ activity_id: 6, product_id: 6, total: 3, buy_limit: 5 }),
  activity({ activity_id: 7, product_id: 7, total: 100, buy_limit: 100 }),
];

function request(activityId: number, userId: number, overrides: Partial<RelayRequest> = {}): RelayRequest {
  return {
    id: `r-${activityId}-${userId}-${Math.random()}`,
    reply_to: 'unused',
    user_id: userId,
    activity_id: activityId,
    product_id: activityId,
    activity_version: 1,
    nonce: `n-${Math.random().toString(36).slice(2)}`,
    nonce_ttl_ms: 61_000,
    deadline: Date.now() + 10_000,
    ...overrides,
  };
}

beforeAll(async () => {
  redis = createRedis(iso.redisUrl);
  ({ zk, book } = await bookWith(iso.zkRoot, activities));
  // Loaded, as sk-admin leaves a new activity: counts present, sales may move them.
  await Promise.all(activities.map((a) => redis.set(keys.loaded(a.activity_id), '1')));
});

afterAll(async () => {
  book.stop();
  zk.close();
  redis.disconnect();
  await iso.cleanup();
});

describe('the atomic qualification step', () => {
  it('issues exactly the stock to 300 concurrent buyers', async () => {
    const q = new Qualifier(redis, book, keys, { secret: 'k'.repeat(32) });
    const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => q.qualify(request(1, 1000 + i))));
    const codes = replies.map((r) => r!.code);
    expect(codes.filter((c) => c === 1002)).toHaveLength(50);
    expect(codes.filter((c) => c === 1004)).toHaveLength(250);
    expect(await redis.get(keys.sold(1))).toBe('50');
    expect(await redis.hlen(keys.wins(1))).toBe(50);
    // Each win is an order, with its own id, in the activity's stream and its held units.
    const orderIds = replies.flatMap((r) => (r!.code === 1002 ? [r!.result!.order_id] : []));
    expect(new Set(orderIds).size).toBe(50);
    expect(await redis.hlen(keys.quals(1))).toBe(50);
    const stream = await redis.xrange(keys.orders(1), '-', '+');
    expect(stream.map(([, fields]) => JSON.parse(fields[1]!).order_id).sort()).toEqual([...orderIds].sort());
  });

  it('holds one user hammering to the buy limit', async () => {
    const q = new Qualifier(redis, book, keys, { secret: 'k'.repeat(32) });
    const replies = await Promise.all(Array.from({ length: 100 }, () => q.qualify(request(2, 42))));
    const codes = replies.map((r) => r!.code);
    expect(codes.filter((c) => c === 1002)).toHaveLength(3);
    expect(codes.filter((c) => c === 1006)).toHaveLength(97);
    expect(await redis.hget(keys.bought(2), '42')).toBe('3');
    expect(await redis.get(keys.sold(2))).toBe('3');
  });

  it('records the qualification it answers, keyed by the server secret', async () => {
    const q = new Qualifier(redis, book, keys, { secret: 's'.repeat(32) });
    const reply = await q.qualify(request(7, 7));
    expect(reply?.code).toBe(1002);
    const result = reply!.result!;
    expect(await redis.hget(keys.wins(7), '7')).toBe(result.order_id);
    const stored = JSON.parse((await redis.hget(keys.quals(7), result.order_id))!);
    expect(stored).toEqual({ ...result, nonce: expect.any(String), seq: Number(result.order_id.split('-')[1]) });
    expect(result.token).toMatch(/^[0-9a-f]{32}$/);
    expect(result.order_id).toMatch(/^7-\d+$/);
    // The payment window is the activity's (the default 900 s here), from the qualification's time.
    expect(result.pay_by - result.token_time).toBe(900_000);
    expect(Number(await redis.zscore(keys.deadlines(7), result.order_id))).toBe(result.pay_by);
    const other = new Qualifier(redis, book, keys, { secret: 'o'.repeat(32), now: () => reply!.result!.token_time });
    const again = await other.qualify({ ...request(7, 8), id: 'x' });
    expect(again!.result!.token).not.toBe(reply!.result!.token);
  });

  it('sells nothing, and claims no nonce, while the counts are not loaded (503/1001)', async () => {
    const q = new Qualifier(redis, book, keys, { secret: 'k'.repeat(32) });
    await redis.del(keys.loaded(7));
    const before = await redis.get(keys.sold(7));
    const reply = await q.qualify(request(7, 650, { nonce: 'unloaded-nonce' }));
    await redis.set(keys.loaded(7), '1');
    expect(reply!.code).toBe(1001);
    expect(await redis.get(keys.sold(7))).toBe(before);
    expect(await redis.exists(keys.nonce(7, 650, 'unloaded-nonce'))).toBe(0);
    expect((await q.qualify(request(7, 650, { nonce: 'unloaded-nonce' })))!.code).toBe(1002);
  });

  it('takes a nonce once, whatever the concurrency, and moves nothing for a replay', async () => {
    const q = new Qualifier(redis, book, keys, { secret: 'k'.repeat(32) });
    const replays = await Promise.all(Array.from({ length: 50 }, () => q.qualify(request(7, 600, { nonce: 'same-nonce-1' }))));
    const codes = replays.map((r) => r!.code);
    expect(codes.filter((c) => c === 1002)).toHaveLength(1);
    expect(codes.filter((c) => c === 1110)).toHaveLength(49);
    expect(await redis.hget(keys.bought(7), '600')).toBe('1');
    expect(await redis.pttl(keys.nonce(7, 600, 'same-nonce-1'))).toBeGreaterThan(59_000);
    // Another user may use the same string: nonces are per user.
    expect((await q.qualify(request(7, 601, { nonce: 'same-nonce-1' })))!.code).toBe(1002);
  });

  it('gives an attempt run again (the step or its relay entry sent twice) its first outcome, and moves nothing', async () => {
    const q = new Qualifier(redis, book, keys, { secret: 'k'.repeat(32) });
    const attempt = request(7, 610, { nonce: 'resent-nonce-1' });
    const first = await q.qualify(attempt);
    expect(first!.code).toBe(1002);
    const [sold, stream] = [await redis.get(keys.sold(7)), await redis.xlen(keys.orders(7))];
    // Run again, also in a batch beside its own copy: the same order, not 1110.
    const again = await q.qualifyBatch([attempt, { ...attempt }]);
    expect(again.map((r) => r!.code)).toEqual([1002, 1002]);
    for (const reply of again) expect(reply!.result).toEqual(first!.result);
    expect([await redis.get(keys.sold(7)), await redis.xlen(keys.orders(7))]).toEqual([sold, stream]);
    expect(await redis.hget(keys.bought(7), '610')).toBe('1');
    // Another attempt with the nonce is a replay of the nonce: 1110.
    expect((await q.qualify({ ...attempt, id: 'another-attempt' }))!.code).toBe(1110);
    // A refusal run again is the same refusal, even once it would no longer be one.
    const unlucky = request(7, 611, { nonce: 'resent-nonce-2' });
    expect((await new Qualifier(redis, book, keys, { secret: 'k'.repeat(32), draw: () => false }).qualify(unlucky))!.code).toBe(1005);
    expect((await q.qualify(unlucky))!.code).toBe(1005);
    // Once the order gave its unit back, a rerun of its winning attempt is answered 1108: /sec/result tells.
    await redis.hdel(keys.quals(7), first!.result!.order_id);
    expect((await q.qualify(attempt))!.code).toBe(1108);
  });

  it('decides a mixed batch in order, one Lua step per activity', async () => {
    const q = new Qualifier(redis, book, keys, { secret: 'k'.repeat(32) });
    const batch = [
      ...Array.from({ length: 5 }, () => request(2, 77)),
      request(2, 78, { nonce: 'dup-nonce-1' }),
      request(2, 78, { nonce: 'dup-nonce-1' }),
      request(7, 79, { deadline: Date.now() - 1 }),
      request(99, 80),
      request(7, 81),
    ];
    const replies = await q.qualifyBatch(batch);
    expect(replies.map((r) => r?.code ?? null)).toEqual([1002, 1002, 1002, 1006, 1006, 1002, 1110, null, 1003, 1002]);
    expect(replies.map((r) => r?.id ?? null)).toEqual(batch.map((r, i) => (i === 7 ? null : r.id)));
    expect(await redis.hget(keys.bought(2), '77')).toBe('3');
    expect(await redis.hget(keys.bought(7), '79')).toBeNull();
  });

  it('reads afresh an activity sk-app knows and this instance has not yet been told of', async () => {
    const unwatched = new ActivityBook(zk, iso.zkRoot);
    const q = new Qualifier(redis, unwatched, keys, { secret: 'k'.repeat(32) });
    expect((await q.qualify(request(7, 700)))!.code).toBe(1002);
    expect(unwatched.get(7)?.total).toBe(100);
    expect((await q.qualify(request(98, 700)))!.code).toBe(1003);
  });

  it('tells sk-app the total it found sold out', async () => {
    const q = new Qualifier(redis, book, keys, { secret: 'k'.repeat(32) });
    const reply = await q.qualify(request(1, 999_999));
    expect(reply).toMatchObject({ code: 1004, total: 50 });
  });

  it('moves nothing when the draw does not pick the attempt', async () => {
    const q = new Qualifier(redis, book, keys, { secret: 'k'.repeat(32), draw: () => false });
    const reply = await q.qualify(request(7, 500));
    expect(reply?.code).toBe(1005);
    expect(await redis.hget(keys.bought(7), '500')).toBeNull();
  });

  it('moves nothing for a caller that has given up', async () => {
    const q = new Qualifier(redis, book, keys, { secret: 'k'.repeat(32) });
    const before = await redis.get(keys.sold(7));
    expect(await q.qualify(request(7, 501, { deadline: Date.now() - 1 }))).toBeNull();
    expect(await redis.get(keys.sold(7))).toBe(before);
  });

  it('answers disabled, not started, ended and unknown from memory', async () => {
    const q = new Qualifier(redis, book, keys, { secret: 'k'.repeat(32) });
    expect((await q.qualify(request(3, 1)))!.code).toBe(1107);
    expect((await q.qualify(request(4, 1)))!.code).toBe(1105);
    expect((await q.qualify(request(5, 1)))!.code).toBe(1106);
    expect((await q.qualify(request(99, 1)))!.code).toBe(1003);
    expect((await q.qualify(request(1, 1, { product_id: 2 })))!.code).toBe(1003);
    expect(await redis.exists(keys.sold(3), keys.sold(4), keys.sold(5))).toBe(0);
  });

  it('announces sold-out, again for a grown total, and sells the added stock', async () => {
    const sub = new NodeRedis(iso.redisUrl);
    const messages: string[] = [];
    sub.on('message', (_c, m) => messages.push(m));
    await sub.subscribe(keys.soldOutChannel);
    const q = new Qualifier(redis, book, keys, { secret: 'k'.repeat(32) });
    const first = await Promise.all([1, 2, 3, 4, 5].map((u) => q.qualify(request(6, u))));
    expect(first.filter((r) => r!.code === 1002)).toHaveLength(3);
    await until(() => messages.length > 0);
    expect(JSON.parse(messages[0]!)).toEqual({ activity_id: 6, total: 3 });

    await publishActivities(zk, iso.zkRoot, [{ ...activities[5]!, total: 5, version: 2 }]);
    await until(() => book.get(6)?.total === 5);
    const more = await Promise.all([6, 7, 8].map((u) => q.qualify(request(6, u))));
    expect(more.map((r) => r!.code).sort()).toEqual([1002, 1002, 1004]);
    expect(await redis.get(keys.sold(6))).toBe('5');
    await until(() => messages.some((m) => JSON.parse(m).total === 5));
    // Within a second of the first news, repeated 1004s for the same total stay quiet.
    expect(messages.map((m) => JSON.parse(m).total)).toEqual([3, 5]);
    sub.disconnect();
  });
});

describe('the buy-rate draw', () => {
  it('admits about the configured share', () => {
    const admitted = Array.from({ length: 20_000 }, () => randomDraw(0.25)).filter(Boolean).length;
    expect(admitted / 20_000).toBeGreaterThan(0.22);
    expect(admitted / 20_000).toBeLessThan(0.28);
    expect(randomDraw(1)).toBe(true);
  });
});
