import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewaySeal, createLogger, type SkFastify } from '@sk/http';
import {
  AnswerCounts,
  Blacklist,
  GATEWAY_HEADERS,
  KILL_BATCH_PATH,
  redisKeys,
  requestSignature,
  signKeyFor,
  type ActivityBook,
} from '@sk/seckill';
import type { ZkSession } from '@sk/zookeeper';
// Packages the root does not depend on, through the build the services load.
import { createBlockingRedis, createRedis, type Redis } from '../../packages/storage/dist/index.js';
import { Admission } from '../../services/sk-app/src/admission.js';
import { buildApp } from '../../services/sk-app/src/app.js';
import { AutoBan } from '../../services/sk-app/src/auto-ban.js';
import { RelayClient } from '../../services/sk-app/src/relay.js';
import { Seckill } from '../../services/sk-app/src/seckill.js';
import { SoldCounts } from '../../services/sk-app/src/sold-counts.js';
import { Qualifier } from '../../services/sk-core/src/qualifier.js';
import { RelayWorker } from '../../services/sk-core/src/relay-worker.js';
import { TokenMint, activity, bookWith, isolate } from '@sk/test-support';
import {
  authorizations,
  good,
  obj,
  oddString,
  render,
  requests,
  shaped,
  shown,
  type FuzzRequest,
  type Json,
  type Route,
} from './arbitraries.js';
import { FUZZ_TEST_TIMEOUT_MS, envelopeProblem, fuzz, inject, injectedPath, injectedUrl, type Answer, type Invariants } from './harness.js';

// sk-app as main.ts wires it (gateway seal, blacklist, automatic bans), with an sk-core relay
// worker in-process: kills are decided, not timed out. No state check: sk-app counts its
// refusals in Redis by design (answer counts, ban counters, nonces).
const iso = isolate('fuzz_sk_app');
const keys = redisKeys(iso.redisPrefix);
const secret = iso.env.SK_SECRET!;
const log = createLogger('fuzz', 'silent');
const seal = new GatewaySeal(secret);
const now = Date.now();
const activities = [
  activity({ activity_id: 1, product_id: 1, total: 1_000, buy_limit: 3 }),
  activity({ activity_id: 2, product_id: 2, status: 'disabled' }),
  activity({ activity_id: 3, product_id: 3, start_time: now + 3_600_000, end_time: now + 7_200_000 }),
  activity({ activity_id: 4, product_id: 4, start_time: now - 7_200_000, end_time: now - 3_600_000 }),
  activity({ activity_id: 5, product_id: 5, total: 2 }),
  activity({ activity_id: 6, product_id: 6, total: 1_000, buy_rate: 0.5 }),
];
const PRODUCTS = activities.map((a) => a.product_id);
const USERS = [21, 22];
let redis: Redis;
let subscriber: Redis;
let zk: ZkSession;
let book: ActivityBook;
let relay: RelayClient;
let worker: RelayWorker;
let blacklist: Blacklist;
let autoBan: AutoBan;
let answers: AnswerCounts;
let mint: TokenMint;
let app: SkFastify;
let inv: Invariants;

beforeAll(async () => {
  redis = createRedis(iso.redisUrl);
  ({ zk, book } = await bookWith(iso.zkRoot, activities));
  await Promise.all(activities.map((a) => redis.set(keys.loaded(a.activity_id), '1')));
  mint = await TokenMint.create();
  worker = new RelayWorker(
    createBlockingRedis(iso.redisUrl),
    createRedis(iso.redisUrl),
    new Qualifier(redis, book, keys, { secret }),
    keys.requests,
    log,
    { batchSize: 64 },
  );
  worker.start();
  relay = new RelayClient(createRedis(iso.redisUrl, { enableAutoPipelining: false }), createBlockingRedis(iso.redisUrl), keys, log, {
    instanceId: 'sk-app-fuzz',
    timeoutMs: 3_000,
    maxPending: 1_000,
    lists: [keys.requests],
    maxDepth: 10_000,
  });
  relay.start();
  const seckill = new Seckill({ book, relay, soldCounts: new SoldCounts(redis, keys), redis, keys, secret, secTimeWindowMs: 30_000 });
  subscriber = createBlockingRedis(iso.redisUrl);
  blacklist = new Blacklist(redis, subscriber, keys, log);
  await blacklist.start();
  autoBan = new AutoBan(redis, keys, blacklist, log, { maxRequests: 300, windowMs: 10_000, banMs: 600_000, exemptLoopback: true });
  autoBan.start();
  answers = new AnswerCounts(book, redis, keys, log);
  answers.start();
  app = buildApp({
    seckill,
    verifier: mint.verifier(),
    admission: new Admission(blacklist, autoBan, new Set()),
    answers,
    ready: () => true,
    logLevel: 'silent',
    seal,
  });
  await app.ready();

  inv = {
    send: (req) => inject(app, req),
    notEnvelope: (req, answer) => {
      const path = injectedPath(req);
      return (path === '/metrics' || path === KILL_BATCH_PATH) && answer.status === 200;
    },
    check: (req, answer) => (injectedPath(req) === KILL_BATCH_PATH && answer.status === 200 ? batchProblem(req, answer) : undefined),
  };
});

afterAll(async () => {
  await app?.close();
  await relay?.stop();
  await worker?.stop();
  autoBan?.stop();
  answers?.stop();
  blacklist?.stop();
  subscriber?.disconnect();
  book?.stop();
  zk?.close();
  redis?.disconnect();
  await iso.cleanup();
});

/** A batch's answer: one per kill, each as a kill alone is answered (never 5xx, the envelope). */
function batchProblem(req: FuzzRequest, answer: Answer): string | undefined {
  const { answers } = JSON.parse(answer.body) as { answers?: { status: number; body: string }[] };
  const kills = (JSON.parse(req.body!) as { kills: unknown[] }).kills;
  if (!Array.isArray(answers) || answers.length !== kills.length) return `${kills.length} kills answered ${JSON.stringify(answers)}`;
  for (const one of answers) {
    if (one.status >= 500) return `a batched kill answered ${one.status}: ${one.body}`;
    const wrong = envelopeProblem(one);
    if (wrong) return `a batched kill: ${wrong}: ${one.body}`;
  }
  return undefined;
}

/** A kill body with good fields, signed with the key of the caller mostly, of another user sometimes (1110). */
const signedKill = fc
  .record({
    product_id: fc.constantFrom(...PRODUCTS, 99),
    sec_time: fc.integer({ min: -10_000, max: 10_000 }).map((d) => Date.now() + d),
    nonce: fc.stringMatching(/^[\w-]{8,64}$/),
    user_id: fc.constantFrom(21, 21, 21, 22, 23),
    source: fc.option(fc.constantFrom('web', 'app', '日本'), { nil: undefined }),
  })
  .map(({ user_id, source, ...fields }): Json => {
    const sign = requestSignature(signKeyFor(secret, user_id), { ...fields, user_id });
    return obj({ ...fields, sign, ...(source === undefined ? {} : { source }) });
  });
const killBody = fc.oneof(
  { weight: 3, arbitrary: signedKill },
  {
    weight: 1,
    arbitrary: shaped({
      product_id: fc.constantFrom(...PRODUCTS),
      sec_time: fc.constant(Date.now()),
      nonce: fc.string({ minLength: 8, maxLength: 64 }),
      sign: fc.stringMatching(/^[0-9a-f]{64}$/),
      source: oddString,
    }),
  },
);

function routes(tokens: fc.Arbitrary<string | undefined>): Route[] {
  const productId = { product_id: good.idText(PRODUCTS) };
  const kill = fc.record({
    authorization: tokens,
    client_ip: fc.option(fc.oneof(good.ip, oddString), { nil: undefined }),
    body: fc.oneof({ weight: 4, arbitrary: killBody.map(render) }, { weight: 1, arbitrary: oddString }),
  });
  const batch = shaped({
    kills: fc
      .array(kill, { minLength: 1, maxLength: 5 })
      .map((kills): Json =>
        kills.map((k) => obj(Object.fromEntries(Object.entries(k).filter(([, v]) => v !== undefined)) as Record<string, Json>)),
      ),
  });
  return [
    { method: 'GET', path: '/health' },
    { method: 'GET', path: '/metrics' },
    { method: 'GET', path: '/sec/list' },
    { method: 'GET', path: '/sec/info', query: productId },
    { method: 'POST', path: '/sec/kill', body: killBody },
    { method: 'GET', path: '/sec/result', query: { ...productId, nonce: fc.stringMatching(/^[\w-]{8,64}$/) } },
    { method: 'POST', path: KILL_BATCH_PATH, body: batch },
  ];
}

/** Sealed as the gateway seals what it forwards (the URL as sk-app will see it), or not (the fuzz chooses). */
function sealed(req: FuzzRequest, seals: boolean): FuzzRequest {
  if (!seals) return req;
  const fields = {
    method: req.method,
    url: injectedUrl(req.url),
    clientIp: req.headers[GATEWAY_HEADERS.clientIp],
    userId: req.headers[GATEWAY_HEADERS.userId],
  };
  return shown({ ...req, headers: { ...req.headers, [GATEWAY_HEADERS.seal]: seal.seal(fields) } });
}

describe('sk-app under fuzzed requests', () => {
  it('answers every request in the envelope (each batched kill too) and never 5xx', { timeout: FUZZ_TEST_TIMEOUT_MS }, async () => {
    const [first, second] = await Promise.all(USERS.map((u) => mint.sign(u).then((t) => `Bearer ${t}`)));
    const tokens = authorizations(first!, first!, first!, second!);
    const space = { routes: routes(tokens), authorization: tokens };
    const arb = fc
      .tuple(requests(space), fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }))
      .map(([req, seals]) => sealed(req, seals));
    await fuzz(arb, inv, 0x5ec411);
  });

  it('still answers /health after it', async () => {
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});
