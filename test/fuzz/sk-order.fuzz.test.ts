import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SkFastify } from '@sk/http';
import { redisKeys } from '@sk/seckill';
// Packages the root does not depend on, through the build the services load.
import { OrderStore, SaleRestorer, UnitReturns } from '../../packages/orders/dist/index.js';
import { MIGRATIONS_DIR, createMysql, createRedis, migrate, type Pool, type Redis } from '../../packages/storage/dist/index.js';
import { buildApp } from '../../services/sk-order/src/app.js';
import { OrderService } from '../../services/sk-order/src/order-service.js';
import { PaymentLedger } from '../../services/sk-order/src/payments/payment-ledger.js';
import { SIGNATURE_HEADER } from '../../services/sk-order/src/payments/provider.js';
import { SandboxProvider } from '../../services/sk-order/src/payments/sandbox.js';
import { TokenMint, isolate, orderRecord } from '@sk/test-support';
import { authorizations, oddSegment, requests, shaped, shown, type FuzzRequest, type Route } from './arbitraries.js';
import { FUZZ_TEST_TIMEOUT_MS, expectSound, fuzz, inject, injectedPath, storedState, type Invariants } from './harness.js';

// sk-order's routes on real MariaDB and Redis of its own, as main.ts wires them (no writer nor expiry
// runs: what is stored changes only by requests); its state checked around every 4xx.
const iso = isolate('fuzz_sk_order');
const keys = redisKeys(iso.redisPrefix);
const provider = new SandboxProvider(iso.env.SK_SECRET!);
const ACTIVITY = 7;
const SHOPPER = 2;
const OTHER = 3;
let mysql: Pool;
let redis: Redis;
let units: UnitReturns;
let app: SkFastify;
let mint: TokenMint;
let inv: Invariants;

const record = (seq: number, userId: number, payBy?: number) => orderRecord(ACTIVITY, seq, userId, Date.now() - 60_000 + seq, payBy);
// The shopper's orders in every state (seq 1-6, and more unpaid ones for the fuzz to pay and cancel),
// another user's (7), and one of each only in the sale's Redis, not stored yet (8, 9).
const stored = [
  ...[1, 2, 3, 4, 5].map((seq) => record(seq, SHOPPER)),
  record(6, SHOPPER, Date.now() - 1_000),
  record(7, OTHER),
  ...Array.from({ length: 12 }, (_, i) => record(10 + i, SHOPPER)),
];
const onlyInRedis = [record(8, SHOPPER), record(9, OTHER)];
const orderIds = [...stored, ...onlyInRedis].map((r) => r.order_id);

beforeAll(async () => {
  mysql = await createMysql(iso.mysqlUrl);
  await migrate(mysql, MIGRATIONS_DIR);
  redis = createRedis(iso.redisUrl);
  const store = new OrderStore(mysql);
  await store.insert(stored);
  await mysql.query("UPDATE orders SET status = 'paid', paid_at = NOW(3), payment_id = 'sbx_7-3' WHERE order_id = '7-3'");
  await mysql.query("UPDATE orders SET status = 'expired', closed_at = NOW(3) WHERE order_id = '7-4'");
  await mysql.query("UPDATE orders SET status = 'cancelled', closed_at = NOW(3) WHERE order_id = '7-5'");
  await mysql.query("INSERT INTO payments (payment_id, order_id, provider, outcome) VALUES ('sbx_7-3', '7-3', 'sandbox', 'captured')");
  await new SaleRestorer(redis, keys, store).restore(ACTIVITY);
  await redis.hset(keys.quals(ACTIVITY), Object.fromEntries(onlyInRedis.map((r) => [r.order_id, JSON.stringify(r)])));
  units = new UnitReturns(redis, keys, store);
  mint = await TokenMint.create();
  const orders = new OrderService({ store, units, ledger: new PaymentLedger(mysql, store), provider, redis, keys });
  app = buildApp({ orders, verifier: mint.verifier(), ready: () => true, logLevel: 'silent' });
  await app.ready();

  inv = {
    send: (req) => inject(app, req),
    notEnvelope: (req, answer) => injectedPath(req) === '/metrics' && answer.status === 200,
    state: storedState(
      mysql,
      { orders: 'order_id, user_id, status, paid_at, payment_id, closed_at, stock_returned', payments: 'payment_id, order_id, outcome' },
      { client: redis, prefix: iso.redisPrefix },
    ),
  };
});

afterAll(async () => {
  await app?.close();
  await units?.flush();
  redis?.disconnect();
  await mysql?.end();
  await iso.cleanup();
});

const orderParam = {
  order_id: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...orderIds, '7-999', '8-1') }, { weight: 1, arbitrary: oddSegment }),
};

function routes(): Route[] {
  const notification = shaped({
    provider: fc.constantFrom('sandbox', 'sandbox', 'sandbox', 'stripe'),
    payment_id: fc.oneof(fc.constantFrom('sbx_7-1', 'sbx_7-3'), fc.string({ minLength: 1, maxLength: 70 })),
    order_id: fc.constantFrom(...orderIds, '7-999'),
    status: fc.constantFrom('succeeded', 'succeeded', 'succeeded', 'failed'),
  });
  return [
    { method: 'GET', path: '/health' },
    { method: 'GET', path: '/metrics' },
    { method: 'GET', path: '/orders' },
    { method: 'GET', path: '/orders/:order_id', params: orderParam },
    { method: 'POST', path: '/orders/:order_id/pay', params: orderParam },
    { method: 'POST', path: '/orders/:order_id/cancel', params: orderParam },
    { method: 'POST', path: '/payments/notify', body: notification },
  ];
}

/** The provider's signature on a notification's exact bytes, as the fuzz chose: valid, forged, or none. */
function signed(req: FuzzRequest, how: 'valid' | 'forged' | 'none'): FuzzRequest {
  if (how === 'none') return req;
  const signature = how === 'valid' ? provider.sign(req.body ?? '') : 'ab'.repeat(32);
  return shown({ ...req, headers: { ...req.headers, [SIGNATURE_HEADER]: signature } });
}

// First, while the state they need is as set up.
describe('sk-order regressions found by the fuzz', () => {
  // Found with FUZZ_SEED=1 (path 242) and FUZZ_SEED=2 (path 126) of an earlier weighting of the
  // generators: another user's order, still only in the sale's Redis, was stored in MySQL by
  // asking for it, and answered 404 (fixed in OrderService.find).
  it.each([
    ['GET', '/orders/7-9'],
    ['POST', '/orders/7-9/pay'],
    ['POST', '/orders/7-9/cancel'],
  ])("%s %s of another user's order not stored yet: 404, nothing stored", async (method, url) => {
    const answer = await expectSound({ method, url, headers: { authorization: `Bearer ${await mint.sign(SHOPPER)}` } }, inv);
    expect(answer.status).toBe(404);
  });

  it("GET /orders/7-8 of the caller's own order not stored yet: stored and answered", async () => {
    const answer = await expectSound(
      { method: 'GET', url: '/orders/7-8', headers: { authorization: `Bearer ${await mint.sign(SHOPPER)}` } },
      inv,
    );
    expect([answer.status, JSON.parse(answer.body).result.status]).toEqual([200, 'unpaid']);
  });
});

describe('sk-order under fuzzed requests', () => {
  it('answers every request in the envelope, never 5xx, and stores nothing on a refusal', { timeout: FUZZ_TEST_TIMEOUT_MS }, async () => {
    const shopper = `Bearer ${await mint.sign(SHOPPER)}`;
    const space = {
      routes: routes(),
      authorization: authorizations(
        shopper,
        shopper,
        shopper,
        `Bearer ${await mint.sign(OTHER)}`,
        `Bearer ${await mint.sign(1, ['admin'])}`,
      ),
    };
    const arb = fc
      .tuple(requests(space), fc.constantFrom('valid', 'valid', 'forged', 'none') as fc.Arbitrary<'valid' | 'forged' | 'none'>)
      .map(([req, how]) => signed(req, how));
    await fuzz(arb, inv, 0x0d3e5);
  });

  it('still answers /health after it', async () => {
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});
