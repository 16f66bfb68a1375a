import { OrderStore } from '@sk/orders';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';
import { orderRecord } from '@sk/test-support';

let h: Harness;
let productId: number;
const hour = 3_600_000;
const start = new Date(Date.now() + hour);
const end = new Date(start.getTime() + 2 * hour);

function validBody(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Morning sale',
    product_id: productId,
    start_time: start.toISOString(),
    end_time: end.toISOString(),
    total: 100,
    buy_limit: 2,
    buy_rate: 0.5,
    ...overrides,
  };
}

async function createActivity(overrides: Record<string, unknown> = {}) {
  const res = await h.call('POST', '/admin/activities', validBody(overrides));
  expect(res.status).toBe(201);
  return res.body.result;
}

beforeAll(async () => {
  h = await startHarness('sk_admin_activities');
  productId = (await h.call('POST', '/admin/products', { name: 'Phone' })).body.result.product_id;
});
afterAll(async () => {
  await h?.close();
});

describe('creating activities', () => {
  it('stores the activity and mirrors it to its znode', async () => {
    const res = await h.call('POST', '/admin/activities', validBody());
    expect(res.status).toBe(201);
    const activity = res.body.result;
    expect(activity).toEqual({
      activity_id: expect.any(Number),
      name: 'Morning sale',
      product_id: productId,
      start_time: start.toISOString(),
      end_time: end.toISOString(),
      total: 100,
      buy_limit: 2,
      buy_rate: 0.5,
      status: 'enabled',
      pay_window_s: 900,
      version: 1,
      mirror: 'done',
    });
    expect(await h.znode(activity.activity_id)).toEqual({
      activity_id: activity.activity_id,
      product_id: productId,
      name: 'Morning sale',
      start_time: start.getTime(),
      end_time: end.getTime(),
      total: 100,
      buy_limit: 2,
      buy_rate: 0.5,
      status: 'enabled',
      pay_window_s: 900,
      version: 1,
    });
  });

  it("loads the new activity's sale counts before answering, so it can sell", async () => {
    const { activity_id } = await createActivity();
    expect(await h.redis.exists(h.keys.loaded(activity_id))).toBe(1);
    expect(await h.redis.get(h.keys.sold(activity_id))).toBe('0');
  });

  it('takes unix seconds and defaults buy_rate to 1', async () => {
    const startSeconds = Math.floor(start.getTime() / 1000);
    const activity = await createActivity({ start_time: startSeconds, end_time: startSeconds + 60, buy_rate: undefined });
    expect(activity.start_time).toBe(new Date(startSeconds * 1000).toISOString());
    expect(activity.end_time).toBe(new Date((startSeconds + 60) * 1000).toISOString());
    expect(activity.buy_rate).toBe(1);
    expect((await h.znode(activity.activity_id))?.buy_rate).toBe(1);
  });

  it('refuses a body missing everything, naming each field', async () => {
    const before = await h.count('activities');
    const res = await h.call('POST', '/admin/activities', {});
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(1101);
    const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['buy_limit', 'end_time', 'name', 'product_id', 'start_time', 'total']);
    expect(await h.count('activities')).toBe(before);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['total as a string', { total: '10' }, ['total']],
    ['product_id as a string', { product_id: '1' }, ['product_id']],
    ['buy_rate as a string', { buy_rate: '0.5' }, ['buy_rate']],
    ['name as a number', { name: 5 }, ['name']],
    ['start_time as a boolean', { start_time: true }, ['start_time']],
    ['start_time not a date', { start_time: 'yesterday' }, ['start_time']],
    ['start_time without offset', { start_time: '2030-01-01T00:00:00' }, ['start_time']],
    ['start_time in month 13', { start_time: '2030-13-01T00:00:00Z' }, ['start_time']],
    ['negative start_time', { start_time: -1 }, ['start_time']],
    ['end_time past 9999', { end_time: 1e12 }, ['end_time']],
    ['end before start', { end_time: new Date(start.getTime() - 1000).toISOString() }, ['end_time']],
    ['end equal to start', { end_time: start.toISOString() }, ['end_time']],
    ['total 0', { total: 0 }, ['total']],
    ['negative total', { total: -5 }, ['total']],
    ['fractional total', { total: 1.5 }, ['total']],
    ['total above the cap', { total: 10_000_001 }, ['total']],
    ['buy_limit 0', { buy_limit: 0 }, ['buy_limit']],
    ['negative buy_limit', { buy_limit: -1 }, ['buy_limit']],
    ['buy_rate 0', { buy_rate: 0 }, ['buy_rate']],
    ['buy_rate 1.5', { buy_rate: 1.5 }, ['buy_rate']],
    ['negative buy_rate', { buy_rate: -0.1 }, ['buy_rate']],
    ['buy_rate below a millionth (stored as 0)', { buy_rate: 1e-7 }, ['buy_rate']],
    ['unknown product', { product_id: 999_999 }, ['product_id']],
    ['negative product_id', { product_id: -3 }, ['product_id']],
    ['name of 201 chars', { name: 'n'.repeat(201) }, ['name']],
    ['huge name', { name: 'n'.repeat(15_000) }, ['name']],
    ['several bad fields', { total: 0, buy_limit: -1, buy_rate: 2 }, ['buy_limit', 'buy_rate', 'total']],
    ['unknown product and end before start', { product_id: 999_999, end_time: start.toISOString() }, ['end_time', 'product_id']],
  ])('refuses %s with 400/1101 and writes nothing', async (_label, overrides, fields) => {
    const before = await h.count('activities');
    const res = await h.call('POST', '/admin/activities', validBody(overrides));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(1101);
    expect([...new Set(res.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual(fields);
    expect(await h.count('activities')).toBe(before);
  });

  it('refuses malformed JSON with 400/1101', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/admin/activities',
      headers: { authorization: `Bearer ${h.tokens.admin}`, 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe(1101);
  });

  it('refuses shoppers with 403/1112 and anonymous callers with 401/1103', async () => {
    expect((await h.call('POST', '/admin/activities', validBody(), h.tokens.shopper)).body.code).toBe(1112);
    expect((await h.call('GET', '/admin/activities', undefined, null)).body.code).toBe(1103);
  });
});

describe('changing activities', () => {
  it('disables and enables, bumping the version in MySQL and in the znode', async () => {
    const { activity_id } = await createActivity();
    const disabled = await h.call('PATCH', `/admin/activities/${activity_id}`, { status: 'disabled' });
    expect(disabled.status).toBe(200);
    expect(disabled.body.result).toMatchObject({ status: 'disabled', version: 2, mirror: 'done' });
    expect(await h.znode(activity_id)).toMatchObject({ status: 'disabled', version: 2 });

    const enabled = await h.call('PATCH', `/admin/activities/${activity_id}`, { status: 'enabled' });
    expect(enabled.body.result).toMatchObject({ status: 'enabled', version: 3, mirror: 'done' });
    expect(await h.znode(activity_id)).toMatchObject({ status: 'enabled', version: 3 });
  });

  it('grows total and moves end_time, in the znode too', async () => {
    const { activity_id } = await createActivity({ total: 10 });
    const newEnd = new Date(end.getTime() + hour);
    const res = await h.call('PATCH', `/admin/activities/${activity_id}`, { total: 25, end_time: newEnd.toISOString() });
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ total: 25, end_time: newEnd.toISOString(), version: 2, mirror: 'done' });
    expect(await h.znode(activity_id)).toMatchObject({ total: 25, end_time: newEnd.getTime(), version: 2 });

    const endSeconds = Math.floor(end.getTime() / 1000);
    const bySeconds = await h.call('PATCH', `/admin/activities/${activity_id}`, { end_time: endSeconds });
    expect(bySeconds.body.result).toMatchObject({ end_time: new Date(endSeconds * 1000).toISOString(), version: 3 });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a smaller total', { total: 9 }, 'total'],
    ['end_time before start_time', { end_time: new Date(start.getTime() - hour).toISOString() }, 'end_time'],
    ['an unknown status', { status: 'paused' }, 'status'],
    ['total 0', { total: 0 }, 'total'],
    ['no field at all', {}, 'body'],
    ['only unknown fields', { name: 'renamed' }, 'body'],
  ])('refuses %s with 400/1101 and leaves the activity as it was', async (_label, body, field) => {
    const { activity_id } = await createActivity({ total: 10 });
    const res = await h.call('PATCH', `/admin/activities/${activity_id}`, body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(1101);
    expect(res.body.errors).toEqual([expect.objectContaining({ field })]);
    const after = await h.call('GET', `/admin/activities/${activity_id}`);
    expect(after.body.result).toMatchObject({ total: 10, end_time: end.toISOString(), status: 'enabled', version: 1 });
    expect(await h.znode(activity_id)).toMatchObject({ version: 1 });
  });

  it('answers 404/1003 for an unknown activity and 400 for a malformed id', async () => {
    const missing = await h.call('PATCH', '/admin/activities/987654', { status: 'disabled' });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe(1003);
    expect((await h.call('GET', '/admin/activities/987654')).status).toBe(404);
    expect((await h.call('PATCH', '/admin/activities/abc', { status: 'disabled' })).status).toBe(400);
  });
});

describe('live sales', () => {
  it('adds sold and remaining from Redis to one activity and to the list', async () => {
    const { activity_id } = await createActivity({ total: 30 });
    const fresh = await h.call('GET', `/admin/activities/${activity_id}`);
    expect(fresh.body.result).toMatchObject({
      sold: 0,
      remaining: 30,
      mirror: 'done',
      orders: { unpaid: 0, paid: 0, expired: 0, cancelled: 0 },
    });

    await h.redis.set(h.keys.sold(activity_id), '12');
    const one = await h.call('GET', `/admin/activities/${activity_id}`);
    expect(one.status).toBe(200);
    expect(one.body.result).toMatchObject({ activity_id, total: 30, sold: 12, remaining: 18 });

    const list = await h.call('GET', '/admin/activities');
    expect(list.status).toBe(200);
    expect(list.body.result.find((a: { activity_id: number }) => a.activity_id === activity_id)).toMatchObject({ sold: 12, remaining: 18 });

    await h.redis.set(h.keys.sold(activity_id), '31');
    expect((await h.call('GET', `/admin/activities/${activity_id}`)).body.result).toMatchObject({ sold: 31, remaining: 0 });
  });

  it('adds the requests and their answers by code, as the sk-app instances count them', async () => {
    const { activity_id } = await createActivity();
    expect((await h.call('GET', `/admin/activities/${activity_id}`)).body.result).toMatchObject({ requests: 0, answers: {} });

    await h.redis.hset(h.keys.answers(activity_id), { '1002': '3', '1004': '40', '1110': '2' });
    const one = await h.call('GET', `/admin/activities/${activity_id}`);
    expect(one.status).toBe(200);
    expect(one.body.result).toMatchObject({ sold: 0, remaining: 100, requests: 45, answers: { '1002': 3, '1004': 40, '1110': 2 } });
  });

  it('adds the orders by status from MySQL to one activity and to the list', async () => {
    const [{ activity_id }, other] = [await createActivity(), await createActivity()];
    const records = [1, 2, 3, 4, 5, 6].map((seq) => orderRecord(activity_id, seq, 300 + seq, Date.now()));
    await new OrderStore(h.mysql).insert(records);
    await h.setOrderStatus('paid', [records[0]!.order_id, records[1]!.order_id]);
    await h.setOrderStatus('expired', [records[2]!.order_id]);
    await h.setOrderStatus('cancelled', [records[3]!.order_id]);
    const orders = { unpaid: 2, paid: 2, expired: 1, cancelled: 1 };

    expect((await h.call('GET', `/admin/activities/${activity_id}`)).body.result.orders).toEqual(orders);
    const list = (await h.call('GET', '/admin/activities')).body.result as { activity_id: number; orders: unknown }[];
    expect(list.find((a) => a.activity_id === activity_id)?.orders).toEqual(orders);
    expect(list.find((a) => a.activity_id === other.activity_id)?.orders).toEqual({ unpaid: 0, paid: 0, expired: 0, cancelled: 0 });
  });

  it('answers 503/1001 when Redis is down, while writes still work (the counts are loaded later)', async () => {
    const withoutRedis = h.appWithoutRedis();
    try {
      const created = await withoutRedis.call('POST', '/admin/activities', validBody());
      expect(created.statusCode).toBe(201);
      const { activity_id } = created.json().result;
      expect(await h.redis.exists(h.keys.loaded(activity_id))).toBe(0);
      const one = await withoutRedis.call('GET', `/admin/activities/${activity_id}`);
      expect(one.statusCode).toBe(503);
      expect(one.json().code).toBe(1001);
      expect((await withoutRedis.call('GET', '/admin/activities')).statusCode).toBe(503);
    } finally {
      await withoutRedis.close();
    }
  });
});
