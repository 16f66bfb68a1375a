import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderStore } from '@sk/orders';
import { startHarness, type Harness } from '../../services/sk-admin/test/harness.js';
import { orderRecord } from '@sk/test-support';
import { authorizations, good, obj, requests, shaped, type Json, type Route } from './arbitraries.js';
import { FUZZ_TEST_TIMEOUT_MS, fuzz, inject, injectedPath, storedState, type Invariants } from './harness.js';

// sk-admin on real MariaDB, Redis and ZooKeeper of its own; its state checked around every 4xx.
let h: Harness;
let inv: Invariants;
const ids = { products: [] as number[], activities: [] as number[], users: [] as number[] };

beforeAll(async () => {
  h = await startHarness('fuzz_sk_admin');
  const now = Math.floor(Date.now() / 1000);
  for (const name of ['Phone', 'Laptop']) {
    const product = await h.call('POST', '/admin/products', { name });
    ids.products.push(product.body.result.product_id);
    const activity = await h.call('POST', '/admin/activities', {
      name,
      product_id: product.body.result.product_id,
      start_time: now - 60,
      end_time: now + 3_600,
      total: 5,
      buy_limit: 1,
    });
    ids.activities.push(activity.body.result.activity_id);
  }
  const users = await h.call('POST', '/admin/users', { users: [{ username: 'fuzz1', password: 'pass123' }] });
  ids.users.push(...users.body.result.map((u: { user_id: number }) => u.user_id));
  // Orders of the first activity, as the sale and sk-order leave them: in Redis, in MySQL, one paid after it expired.
  const activityId = ids.activities[0]!;
  const records = [1, 2, 3].map((seq) => orderRecord(activityId, seq, ids.users[0]!, Date.now() - seq * 1_000));
  await h.redis.hset(h.keys.quals(activityId), Object.fromEntries(records.map((r) => [r.order_id, JSON.stringify(r)])));
  await new OrderStore(h.mysql).insert(records);
  await h.setOrderStatus('expired', [records[2]!.order_id]);
  await h.mysql.query("INSERT INTO payments (payment_id, order_id, provider, outcome) VALUES ('sbx_1', ?, 'sandbox', 'refund_due')", [
    records[2]!.order_id,
  ]);
  await h.call('PUT', '/admin/blacklist/ips/10.0.0.1', { reason: 'fuzz' });

  inv = {
    send: (req) => inject(h.app, req),
    notEnvelope: (req, answer) => {
      const path = injectedPath(req);
      // Swagger UI's pages and its document; Prometheus text; winners as CSV.
      if (path.startsWith('/docs') && answer.status < 400) return true;
      if (path === '/metrics' && answer.status === 200) return true;
      return answer.status === 200 && answer.contentType.startsWith('text/csv');
    },
    check: (req, answer) =>
      answer.contentType.startsWith('text/csv') && !/\/winners$/.test(injectedPath(req))
        ? 'CSV from a route other than winners'
        : undefined,
    bigBody: (req) => req.method === 'POST' && injectedPath(req) === '/admin/users',
    state: storedState(
      h.mysql,
      {
        products: 'id, name, created_at',
        // Not mirrored_version nor updated_at: the mirror reconciler moves them in the background.
        activities: 'id, name, product_id, start_time, end_time, total, buy_limit, buy_rate, status, pay_window_s, version',
        users: 'id, username, password_hash, roles',
        blacklist: 'kind, value, reason, created_by',
        audit_log: 'id, action, target',
        orders: 'order_id, status, paid_at, payment_id, closed_at, stock_returned',
        payments: 'payment_id, order_id, outcome',
      },
      { client: h.redis, prefix: h.iso.redisPrefix },
    ),
  };
});

afterAll(async () => {
  await h?.close();
});

function routes(): Route[] {
  const id = { id: good.idText(ids.activities) };
  const productId = { id: good.idText(ids.products) };
  const activityFields = {
    product_id: good.id(ids.products),
    start_time: good.instant(-86_400, 3_600),
    end_time: good.instant(3_601, 7 * 86_400),
    total: fc.integer({ min: 1, max: 1_000 }),
    buy_limit: fc.integer({ min: 1, max: 5 }),
    buy_rate: fc.double({ min: 0.000001, max: 1, noNaN: true }),
    pay_window_s: fc.integer({ min: 5, max: 86_400 }),
  };
  const changes = shaped({
    status: fc.constantFrom('enabled', 'disabled'),
    end_time: good.instant(-3_600, 7 * 86_400),
    total: fc.integer({ min: 1, max: 10_000 }),
    pay_window_s: fc.integer({ min: 5, max: 86_400 }),
  });
  const user = fc
    .record({ username: fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/), password: fc.string({ minLength: 6, maxLength: 40 }) })
    .map((u): Json => obj(u));
  const reason = shaped({ reason: fc.oneof(good.name, fc.constant('')) });
  const cursor = fc
    .tuple(fc.integer({ min: 0, max: 253_402_300_799_999 }), fc.string({ minLength: 1, maxLength: 20 }))
    .map((k) => Buffer.from(JSON.stringify(k)).toString('base64url'));
  const limit = fc.integer({ min: 0, max: 2_000 }).map(String);
  return [
    { method: 'GET', path: '/health' },
    { method: 'GET', path: '/metrics' },
    { method: 'GET', path: '/docs' },
    { method: 'GET', path: '/docs/json' },
    {
      method: 'GET',
      path: '/docs/static/:file',
      params: { file: fc.constantFrom('index.html', 'swagger-ui.css', 'swagger-initializer.js', '..%2F..%2Fpackage.json') },
    },
    { method: 'POST', path: '/admin/products', body: shaped({ name: good.name }) },
    { method: 'GET', path: '/admin/products' },
    { method: 'GET', path: '/admin/products/:id', params: productId },
    { method: 'POST', path: '/admin/activities', body: shaped({ name: good.name, ...activityFields }) },
    { method: 'GET', path: '/admin/activities' },
    { method: 'GET', path: '/admin/activities/:id', params: id },
    { method: 'PATCH', path: '/admin/activities/:id', params: id, body: changes },
    { method: 'GET', path: '/admin/activities/:id/winners', params: id, query: { format: fc.constantFrom('json', 'csv') } },
    { method: 'GET', path: '/admin/activities/:id/reconciliation', params: id },
    { method: 'POST', path: '/admin/activities/:id/reconciliation', params: id },
    { method: 'POST', path: '/admin/users', body: shaped({ users: fc.array(user, { maxLength: 2 }) }) },
    { method: 'DELETE', path: '/admin/users/:user_id', params: { user_id: good.idText(ids.users) } },
    { method: 'GET', path: '/admin/blacklist' },
    { method: 'PUT', path: '/admin/blacklist/users/:user_id', params: { user_id: good.idText(ids.users) }, body: reason },
    { method: 'DELETE', path: '/admin/blacklist/users/:user_id', params: { user_id: good.idText(ids.users) } },
    { method: 'PUT', path: '/admin/blacklist/ips/:ip', params: { ip: good.ip }, body: reason },
    { method: 'DELETE', path: '/admin/blacklist/ips/:ip', params: { ip: fc.oneof(fc.constant('10.0.0.1'), good.ip) } },
    { method: 'GET', path: '/admin/audit', query: { limit, offset: fc.nat().map(String) } },
    {
      method: 'GET',
      path: '/admin/orders',
      query: {
        activity_id: good.idText(ids.activities),
        status: fc.constantFrom('unpaid', 'paid', 'expired', 'cancelled'),
        user_id: good.idText(ids.users),
        limit,
        cursor,
      },
    },
    { method: 'GET', path: '/admin/refunds', query: { limit, cursor } },
    { method: 'GET', path: '/product/list' },
    { method: 'POST', path: '/product/create', body: shaped({ product_name: good.name }) },
    {
      method: 'POST',
      path: '/activity/create',
      body: shaped({ activity_name: good.name, ...activityFields, status: fc.constantFrom(0, 1) }),
    },
    { method: 'GET', path: '/activity/list' },
  ];
}

describe('sk-admin under fuzzed requests', () => {
  it('answers every request in the envelope, never 5xx, and stores nothing on a refusal', { timeout: FUZZ_TEST_TIMEOUT_MS }, async () => {
    const admin = `Bearer ${h.tokens.admin}`;
    const space = {
      routes: routes(),
      authorization: authorizations(
        admin,
        admin,
        admin,
        admin,
        `Bearer ${h.tokens.shopper}`,
        `Bearer ${await h.tokens.sign(1, 'admin', ['admin'], 'not-sk-auth')}`,
      ),
    };
    await fuzz(requests(space), inv, 0x5ad314);
  });

  it('still answers /health after it', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});
