import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZookeeperDiscovery } from '@sk/discovery';
import type { SkFastify } from '@sk/http';
import { TokenVerifier } from '@sk/identity';
import { AnswerCounts, redisKeys, type ActivityBook } from '@sk/seckill';
import { createRedis, type Redis } from '@sk/storage';
import { ZkSession } from '@sk/zookeeper';
import { activity, bookWith, isolate } from '@sk/test-support';
import { buildApp } from '../src/app.js';
import { SoldOutShortcut } from '../src/sold-out.js';
import { TokenMint, startFakeUpstream, type FakeUpstream } from './fakes.js';

const iso = isolate('gateway_sold_out');
let zk: ZkSession;
let bookZk: ZkSession;
let book: ActivityBook;
let skApp: FakeUpstream;
let mint: TokenMint;
let app: SkFastify;
let redis: Redis;
let answers: AnswerCounts;
let shortcut: SoldOutShortcut;
// Whether each answer was to have its own line in the request log.
const logAnswer: boolean[] = [];
const keys = redisKeys(iso.redisPrefix);

beforeAll(async () => {
  ({ zk: bookZk, book } = await bookWith(iso.zkRoot, [
    activity({ activity_id: 1, product_id: 10, total: 5 }),
    activity({ activity_id: 2, product_id: 20 }),
  ]));
  zk = new ZkSession({ hosts: iso.zkHosts });
  await zk.waitConnected();
  skApp = await startFakeUpstream('sk-app', zk, iso.zkRoot);
  mint = await TokenMint.create();
  redis = createRedis(iso.redisUrl);
  answers = new AnswerCounts(book, redis, keys, { warn: () => {} });
  app = buildApp({
    discovery: new ZookeeperDiscovery(zk, iso.zkRoot),
    verifier: new TokenVerifier(async () => mint.jwks),
    upstreamTimeoutMs: 1_000,
    logLevel: 'silent',
    soldOut: (shortcut = new SoldOutShortcut(book, answers)),
  });
  app.addHook('onResponse', async (req) => {
    logAnswer.push(req.logAnswer);
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await skApp?.close();
  redis?.disconnect();
  book?.stop();
  zk?.close();
  bookZk?.close();
  await iso.cleanup();
});

const kill = async (productId: unknown, token?: string) =>
  app.inject({
    method: 'POST',
    url: '/sec/kill',
    payload: { product_id: productId, sec_time: Date.now(), nonce: 'nonce-123456', sign: 'ab' },
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

describe('sold-out answered at the gateway', () => {
  it('forwards while the gateway knows of no sold-out', async () => {
    const res = await kill(10, await mint.sign(1, ['user']));
    expect(res.statusCode).toBe(200);
    expect(skApp.seen).toHaveLength(1);
    expect(logAnswer).toEqual([true]);
  });

  it('answers 410/1004 itself once the activity is known sold out, still after the token check', async () => {
    book.markSoldOut(1, 5);
    skApp.seen.length = 0;
    const res = await kill(10, await mint.sign(1, ['user']));
    expect([res.statusCode, res.json().code]).toEqual([410, 1004]);
    expect(skApp.seen).toHaveLength(0);
    // The crowd is summed up in the log, by activity, instead of a line each.
    expect(logAnswer.at(-1)).toBe(false);
    expect(shortcut.takeAnswered()).toEqual(new Map([[1, 1]]));
    expect(shortcut.takeAnswered()).toEqual(new Map());
    // Operators see the gateway's answers among the activity's answers by code.
    await answers.flush();
    expect(await redis.hget(keys.answers(1), '1004')).toBe('1');
    const anonymous = await kill(10);
    expect([anonymous.statusCode, anonymous.json().code]).toEqual([401, 1103]);
  });

  it('forwards other products and bodies it cannot read', async () => {
    skApp.seen.length = 0;
    const token = await mint.sign(2, ['user']);
    await kill(20, token);
    await kill('10', token);
    await app.inject({
      method: 'POST',
      url: '/sec/kill',
      payload: '{"product_id":',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    expect(skApp.seen).toHaveLength(3);
  });
});
