import { AnswerCounts, Blacklist } from '@sk/seckill';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { KILL_BATCH_MAX, KILL_BATCH_PATH, redisKeys, requestSignature, signKeyFor, type ActivityBook } from '@sk/seckill';
import { createBlockingRedis, createRedis, type Redis } from '@sk/storage';
import type { ZkSession } from '@sk/zookeeper';
import { TokenMint, activity, bookWith, isolate, publishActivities, until } from '@sk/test-support';
import { Admission } from '../src/admission.js';
import { buildApp } from '../src/app.js';
import { RelayClient } from '../src/relay.js';
import { Seckill } from '../src/seckill.js';
import { SoldCounts } from '../src/sold-counts.js';

const iso = isolate('sk_app');
const keys = redisKeys(iso.redisPrefix);
const secret = 'secret-of-this-test-0123456789';
const now = Date.now();
const activities = [
  activity({ activity_id: 11, product_id: 1, total: 5 }),
  activity({ activity_id: 12, product_id: 2, status: 'disabled' }),
  activity({ activity_id: 13, product_id: 3, start_time: now + 3_600_000, end_time: now + 7_200_000 }),
  activity({ activity_id: 14, product_id: 4, start_time: now - 7_200_000, end_time: now - 3_600_000 }),
  activity({ activity_id: 15, product_id: 5, total: 2 }),
  activity({ activity_id: 16, product_id: 6, total: 100, buy_limit: 3 }),
];

let redis: Redis;
let zk: ZkSession;
let book: ActivityBook;
let relay: RelayClient;
let tokens: TokenMint;
let app: ReturnType<typeof buildApp>;
let subscriber: Redis;
let blacklist: Blacklist;
let answers: AnswerCounts;
let seckill: Seckill;

function signed(userId: number, productId: number, overrides: Record<string, unknown> = {}) {
  const body = { product_id: productId, sec_time: Date.now(), nonce: `n-${Math.random().toString(36).slice(2)}`, ...overrides };
  const sign = requestSignature(signKeyFor(secret, userId), { ...body, user_id: userId } as never);
  return { ...body, sign };
}

async function kill(userId: number | null, body: Record<string, unknown>) {
  const headers: Record<string, string> = {};
  if (userId !== null) headers.authorization = `Bearer ${await tokens.sign(userId)}`;
  return app.inject({ method: 'POST', url: '/sec/kill', payload: body, headers });
}

/** An attempt relayed and answered `reply` as sk-core would: no sk-core runs here. */
async function relayed(userId: number, productId: number, reply: Record<string, unknown>) {
  const pending = kill(userId, signed(userId, productId));
  let raw: string | null = null;
  await until(async () => (raw = await redis.rpop(keys.requests)) !== null);
  const req = JSON.parse(raw!);
  await redis.lpush(req.reply_to, JSON.stringify({ id: req.id, ...reply }));
  return pending;
}

beforeAll(async () => {
  redis = createRedis(iso.redisUrl);
  ({ zk, book } = await bookWith(iso.zkRoot, activities));
  tokens = await TokenMint.create();
  // No sk-core runs here: whatever reaches the relay waits its bounded time and ends in 1108.
  relay = new RelayClient(redis, createBlockingRedis(iso.redisUrl), keys, pino({ level: 'silent' }), {
    instanceId: 'sk-app-test',
    timeoutMs: 300,
    maxPending: 100,
    lists: [keys.requests],
    maxDepth: 10_000,
  });
  relay.start();
  seckill = new Seckill({
    book,
    relay,
    soldCounts: new SoldCounts(redis, keys, 0),
    redis,
    keys,
    secret,
    secTimeWindowMs: 30_000,
  });
  subscriber = createBlockingRedis(iso.redisUrl);
  blacklist = new Blacklist(redis, subscriber, keys, pino({ level: 'silent' }));
  await blacklist.start();
  const admission = new Admission(blacklist, undefined, new Set());
  answers = new AnswerCounts(book, redis, keys, pino({ level: 'silent' }), 50);
  answers.start();
  app = buildApp({ seckill, verifier: tokens.verifier(), admission, answers, ready: () => true, logLevel: 'silent' });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  answers.stop();
  await relay.stop();
  blacklist.stop();
  subscriber.disconnect();
  book.stop();
  zk.close();
  redis.disconnect();
  await iso.cleanup();
});

describe('/sec/kill refusals', () => {
  it('needs a valid token', async () => {
    const res = await kill(null, signed(1, 1));
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe(1103);
    const forged = await app.inject({
      method: 'POST',
      url: '/sec/kill',
      payload: signed(1, 1),
      headers: { authorization: 'Bearer abc.def.ghi' },
    });
    expect(forged.json().code).toBe(1103);
  });

  it('lists every bad field', async () => {
    const res = await kill(1, { product_id: 'x', sec_time: -1, nonce: 'short', sign: 'zz' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe(1101);
    expect(
      res
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['nonce', 'product_id', 'sec_time', 'sign']);
  });

  it('refuses a bad signature, a signature of another user, and a stale sec_time', async () => {
    expect((await kill(1, { ...signed(1, 1), sign: 'ab'.repeat(32) })).json().code).toBe(1110);
    expect((await kill(1, signed(2, 1))).json().code).toBe(1110);
    const stale = await kill(1, signed(1, 1, { sec_time: Date.now() - 31_000 }));
    expect(stale.statusCode).toBe(403);
    expect(stale.json().code).toBe(1110);
    expect((await kill(1, signed(1, 1, { sec_time: Date.now() + 31_000 }))).json().code).toBe(1110);
  });

  it('answers activity states from memory', async () => {
    expect((await kill(1, signed(1, 2))).json().code).toBe(1107);
    const early = await kill(1, signed(1, 3));
    expect([early.statusCode, early.json().code]).toEqual([425, 1105]);
    const late = await kill(1, signed(1, 4));
    expect([late.statusCode, late.json().code]).toEqual([410, 1106]);
    const unknown = await kill(1, signed(1, 99));
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 1003]);
    expect(await redis.llen(keys.requests)).toBe(0);
  });

  it('ends a relayed attempt nobody answers in 1108; the nonce travels for sk-core to claim', async () => {
    const body = signed(7, 1);
    const first = await kill(7, body);
    expect([first.statusCode, first.json().code]).toEqual([504, 1108]);
    const request = JSON.parse((await redis.rpop(keys.requests))!);
    expect(request).toMatchObject({
      user_id: 7,
      activity_id: 11,
      product_id: 1,
      nonce: body.nonce,
      nonce_ttl_ms: 61_000,
      reply_to: keys.replies('sk-app-test'),
    });
  });

  it("passes sk-core's refusal of a reused nonce on as 403/1110", async () => {
    const res = await relayed(22, 1, { code: 1110 });
    expect([res.statusCode, res.json().code]).toEqual([403, 1110]);
  });

  it('takes the user from the token, never from the body', async () => {
    const body = { ...signed(8, 1), user_id: 9 };
    await kill(8, body);
    const request = JSON.parse((await redis.rpop(keys.requests))!);
    expect(request.user_id).toBe(8);
  });

  it('delivers sk-core replies to the waiting request', async () => {
    const result = {
      product_id: 1,
      activity_id: 11,
      user_id: 21,
      token: 'f'.repeat(32),
      token_time: Date.now(),
      order_id: '11-1',
      pay_by: Date.now() + 900_000,
    };
    const res = await relayed(21, 1, { code: 1002, result });
    expect([res.statusCode, res.json().code, res.json().result]).toEqual([200, 1002, result]);
  });

  it('learns sold-out from a reply and answers the crowd without the relay', async () => {
    expect((await relayed(31, 5, { code: 1004, total: 2 })).json().code).toBe(1004);
    const next = await kill(32, signed(32, 5));
    expect([next.statusCode, next.json().code]).toEqual([410, 1004]);
    expect(await redis.llen(keys.requests)).toBe(0);
  });
});

describe('kills batched by the gateway', () => {
  const batch = (kills: Record<string, unknown>[], remoteAddress = '127.0.0.1') =>
    app.inject({ method: 'POST', url: KILL_BATCH_PATH, payload: { kills }, remoteAddress });
  const answersOf = (res: Awaited<ReturnType<typeof batch>>) =>
    (res.json().answers as { status: number; body: string }[]).map((a) => ({ status: a.status, body: JSON.parse(a.body) }));

  it('answers each kill, in order, as the same /sec/kill alone is answered', async () => {
    const token = `Bearer ${await tokens.sign(51)}`;
    const cases = [
      { authorization: token, body: JSON.stringify({ product_id: 'x', sec_time: -1, nonce: 'short', sign: 'zz' }) },
      { body: JSON.stringify(signed(51, 1)) },
      { authorization: 'Bearer abc.def.ghi', body: JSON.stringify(signed(51, 1)) },
      { authorization: token, body: JSON.stringify({ ...signed(51, 1), sign: 'ab12' }) },
      { authorization: token, body: JSON.stringify(signed(51, 2)) },
      { authorization: token, body: JSON.stringify(signed(51, 3)) },
      { authorization: token, body: JSON.stringify(signed(51, 99)) },
    ];
    const res = await batch(cases);
    expect(res.statusCode).toBe(200);
    const alone = await Promise.all(
      cases.map(async (c) => {
        const single = await app.inject({
          method: 'POST',
          url: '/sec/kill',
          payload: c.body,
          headers: { 'content-type': 'application/json', ...(c.authorization ? { authorization: c.authorization } : {}) },
        });
        return { status: single.statusCode, body: single.json() };
      }),
    );
    expect(answersOf(res)).toEqual(alone);
    expect(alone.map((a) => a.body.code)).toEqual([1101, 1103, 1103, 1110, 1107, 1105, 1003]);
  });

  it('refuses a body that is not JSON, or empty, as fastify refuses it alone', async () => {
    const token = `Bearer ${await tokens.sign(52)}`;
    const answers = answersOf(
      await batch([
        { authorization: token, body: '{"product_id":' },
        { authorization: token, body: '' },
      ]),
    );
    expect(answers.map((a) => [a.status, a.body.code, a.body.errors[0].field])).toEqual([
      [400, 1101, 'body'],
      [400, 1101, 'body'],
    ]);
  });

  it('relays the plausible kills and hands each its own reply', async () => {
    const result = { user_id: 53, product_id: 1, activity_id: 11, token: 'abc', token_time: 1, order_id: '11-9', pay_by: 900_001 };
    const pending = batch([
      { authorization: `Bearer ${await tokens.sign(53)}`, body: JSON.stringify(signed(53, 1)) },
      { authorization: `Bearer ${await tokens.sign(54)}`, body: JSON.stringify(signed(54, 1)) },
    ]);
    const relayedRequests: { id: string; user_id: number; reply_to: string }[] = [];
    await until(async () => {
      const raw = await redis.rpop(keys.requests);
      if (raw) relayedRequests.push(JSON.parse(raw));
      return relayedRequests.length === 2;
    });
    for (const req of relayedRequests) {
      const reply = req.user_id === 53 ? { code: 1002, result } : { code: 1006 };
      await redis.lpush(req.reply_to, JSON.stringify({ id: req.id, ...reply }));
    }
    expect(answersOf(await pending).map((a) => [a.status, a.body.code, a.body.result])).toEqual([
      [200, 1002, result],
      [409, 1006, undefined],
    ]);
  });

  it('believes the shopper address of a batch only from a trusted peer', async () => {
    blacklist.apply({ source: 'operator', kind: 'ip', value: '203.0.113.9', entry: { reason: 'test', expires_at: null } });
    const kill = { authorization: `Bearer ${await tokens.sign(55)}`, client_ip: '203.0.113.9', body: JSON.stringify(signed(55, 2)) };
    expect(answersOf(await batch([kill])).map((a) => a.body.code)).toEqual([1109]);
    expect(answersOf(await batch([kill], '198.51.100.7')).map((a) => a.body.code)).toEqual([1107]);
    blacklist.apply({ source: 'operator', kind: 'ip', value: '203.0.113.9', entry: null });
  });

  it('refuses a malformed or oversized batch whole', async () => {
    expect((await batch([])).statusCode).toBe(400);
    const many = Array.from({ length: KILL_BATCH_MAX + 1 }, () => ({ body: '{}' }));
    expect((await batch(many)).json().code).toBe(1101);
  });
});

describe('buy limits reached', () => {
  const qualification = (userId: number, productId: number, activityId: number) => ({
    product_id: productId,
    activity_id: activityId,
    user_id: userId,
    token: 'e'.repeat(32),
    token_time: Date.now(),
    order_id: `${activityId}-${userId}`,
    pay_by: Date.now() + 900_000,
  });

  it("learns a reached limit from a 1006 and answers that user's next attempts without the relay", async () => {
    expect((await relayed(41, 6, { code: 1002, result: qualification(41, 6, 16) })).json().code).toBe(1002);
    // A limit of 3: one success says nothing yet.
    expect((await relayed(41, 6, { code: 1006 })).json().code).toBe(1006);
    const next = await kill(41, signed(41, 6));
    expect([next.statusCode, next.json().code]).toEqual([409, 1006]);
    expect(await redis.llen(keys.requests)).toBe(0);
    // Another shopper is still relayed.
    expect((await relayed(42, 6, { code: 1002, result: qualification(42, 6, 16) })).json().code).toBe(1002);
  });

  it('forgets a reached limit when a unit of the user comes back', async () => {
    expect((await relayed(44, 6, { code: 1006 })).json().code).toBe(1006);
    expect((await kill(44, signed(44, 6))).json().code).toBe(1006);
    seckill.stockReturned(16, [44]);
    expect((await relayed(44, 6, { code: 1002, result: qualification(44, 6, 16) })).json().code).toBe(1002);
  });

  it('takes a success on a limit of one for the limit reached', async () => {
    expect((await relayed(43, 1, { code: 1002, result: qualification(43, 1, 11) })).json().code).toBe(1002);
    const next = await kill(43, signed(43, 1));
    expect([next.statusCode, next.json().code]).toEqual([409, 1006]);
    expect(await redis.llen(keys.requests)).toBe(0);
  });
});

describe('/sec/result, /sec/list, /sec/info', () => {
  it('answers the qualifications recorded in Redis, oldest first, one by its nonce, or 404', async () => {
    const held = [1, 2].map((seq) => ({
      product_id: 1,
      activity_id: 11,
      user_id: 40,
      token: 'a'.repeat(32),
      token_time: 100 + seq,
      order_id: `11-${seq}`,
      pay_by: 900_100 + seq,
    }));
    await redis.hset(
      keys.quals(11),
      Object.fromEntries(held.map((q, i) => [q.order_id, JSON.stringify({ ...q, nonce: `nonce-of-${i}`, seq: i + 1 })])),
    );
    await redis.hset(keys.wins(11), '40', '11-1,11-2');
    const auth = { authorization: `Bearer ${await tokens.sign(40)}` };
    const res = await app.inject({ url: '/sec/result?product_id=1', headers: auth });
    expect([res.statusCode, res.json().code, res.json().result, res.json().results]).toEqual([200, 1002, held[1], held]);
    const first = await app.inject({ url: '/sec/result?product_id=1&nonce=nonce-of-0', headers: auth });
    expect([first.statusCode, first.json().result, first.json().results]).toEqual([200, held[0], undefined]);
    const lost = await app.inject({ url: '/sec/result?product_id=1&nonce=nonce-of-9', headers: auth });
    expect([lost.statusCode, lost.json().code]).toEqual([404, 1003]);
    const short = await app.inject({ url: '/sec/result?product_id=1&nonce=x', headers: auth });
    expect([short.statusCode, short.json().code]).toEqual([400, 1101]);
    const none = await app.inject({ url: '/sec/result?product_id=1', headers: { authorization: `Bearer ${await tokens.sign(41)}` } });
    expect([none.statusCode, none.json().code]).toEqual([404, 1003]);
    expect((await app.inject({ url: '/sec/result?product_id=1' })).statusCode).toBe(401);
  });

  it('lists activities with status and remaining stock', async () => {
    await redis.set(keys.sold(11), '3');
    const res = await app.inject({ url: '/sec/list' });
    const list = res.json().result as Array<Record<string, unknown>>;
    expect(list.map((a) => a.status)).toEqual(['on_sale', 'disabled', 'not_started', 'ended', 'sold_out', 'on_sale']);
    expect(list[0]).toMatchObject({ activity_id: 11, product_id: 1, total: 5, remaining: 2 });
    expect(new Date(list[0]!.start_time as string).toISOString()).toBe(list[0]!.start_time);
    const info = await app.inject({ url: '/sec/info?product_id=3' });
    expect(info.json().result).toMatchObject({ activity_id: 13, status: 'not_started' });
    expect((await app.inject({ url: '/sec/info?product_id=abc' })).json().code).toBe(1101);
    expect((await app.inject({ url: '/sec/info?product_id=77' })).statusCode).toBe(404);
  });

  it('sees a new activity within 2 s', async () => {
    await publishActivities(zk, iso.zkRoot, [activity({ activity_id: 16, product_id: 6 })]);
    await until(async () => (await app.inject({ url: '/sec/info?product_id=6' })).statusCode === 200, 2_000);
  });

  it('answers oversized and malformed bodies with 4xx', async () => {
    const big = await app.inject({ method: 'POST', url: '/sec/kill', payload: { nonce: 'x'.repeat(20_000) } });
    expect(big.statusCode).toBe(413);
    const bad = await app.inject({
      method: 'POST',
      url: '/sec/kill',
      payload: '{"product_id":',
      headers: { 'content-type': 'application/json' },
    });
    expect([bad.statusCode, bad.json().code]).toEqual([400, 1101]);
    const nope = await app.inject({ url: '/nope' });
    expect([nope.statusCode, nope.json().code]).toEqual([404, 1003]);
  });
});

describe('answers counted per activity', () => {
  it("adds every /sec/kill answer to the activity's hash in Redis, by code", async () => {
    await publishActivities(zk, iso.zkRoot, [activity({ activity_id: 17, product_id: 7 })]);
    await until(async () => (await app.inject({ url: '/sec/info?product_id=7' })).statusCode === 200);

    await kill(null, signed(1, 7));
    await kill(1, { ...signed(1, 7), sign: 'ab'.repeat(32) });
    await kill(2, signed(1, 7));
    const pending = kill(3, signed(3, 7));
    let raw: string | null = null;
    await until(async () => (raw = await redis.rpop(keys.requests)) !== null);
    const req = JSON.parse(raw!);
    await redis.lpush(
      req.reply_to,
      JSON.stringify({
        id: req.id,
        code: 1002,
        result: {
          product_id: 7,
          activity_id: 17,
          user_id: 3,
          token: 'c'.repeat(32),
          token_time: Date.now(),
          order_id: '17-1',
          pay_by: Date.now() + 900_000,
        },
      }),
    );
    expect((await pending).json().code).toBe(1002);
    // No activity holds product 77: its answer belongs to none.
    expect((await kill(1, signed(1, 77))).json().code).toBe(1003);

    const expected = { '1103': '1', '1110': '2', '1002': '1' };
    await until(async () => isDeepStrictEqual(await redis.hgetall(keys.answers(17)), expected));
    expect(await redis.hgetall(keys.answers(17))).toEqual(expected);
  });
});
