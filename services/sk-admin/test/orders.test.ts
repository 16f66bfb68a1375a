import { OrderStore } from '@sk/orders';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';
import { orderRecord } from '@sk/test-support';

let h: Harness;
const base = Date.UTC(2030, 0, 1);
const users = [101, 102, 103];

/** 250 orders of activities 7 and 8; three at a time share their creation time, so ids break the ties. */
const records = Array.from({ length: 250 }, (_, i) =>
  orderRecord(i % 2 === 0 ? 7 : 8, i + 1, users[i % 3]!, base + Math.floor(i / 3) * 1_000),
);
/** Every tenth order paid, every seventh expired (the last word where both). */
const statusOf = (seq: number) => (seq % 7 === 0 ? 'expired' : seq % 10 === 0 ? 'paid' : 'unpaid');

type Listed = { order_id: string; activity_id: number; user_id: number; status: string; created_at: string };

/** The ids of the records, as the listing orders them: newest first, then the greater id. */
const newestFirst = (subset: typeof records) =>
  [...subset].sort((a, b) => b.token_time - a.token_time || (a.order_id < b.order_id ? 1 : -1)).map((r) => r.order_id);

/** Every page of `query`, following next_cursor to the end. */
async function allPages(
  query: string,
  onPage: (page: Listed[]) => Promise<void> = async () => {},
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await h.call('GET', `/admin/orders?${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    pages += 1;
    ids.push(...res.body.result.orders.map((o: Listed) => o.order_id));
    await onPage(res.body.result.orders);
    cursor = res.body.result.next_cursor;
  } while (cursor !== null);
  return { ids, pages };
}

beforeAll(async () => {
  h = await startHarness('sk_admin_orders');
  await new OrderStore(h.mysql).insert(records);
  for (const status of ['paid', 'expired'] as const) {
    await h.setOrderStatus(
      status,
      records.filter((r) => statusOf(r.seq) === status).map((r) => r.order_id),
    );
  }
});
afterAll(async () => {
  await h?.close();
});

describe('GET /admin/orders', () => {
  it('answers the newest 100 orders by default, in the contract shape', async () => {
    const res = await h.call('GET', '/admin/orders');
    expect(res.status).toBe(200);
    const { orders, next_cursor } = res.body.result;
    expect(orders.map((o: Listed) => o.order_id)).toEqual(newestFirst(records).slice(0, 100));
    expect(next_cursor).toEqual(expect.any(String));
    const newest = records.find((r) => r.order_id === orders[0].order_id)!;
    expect(orders[0]).toEqual({
      order_id: newest.order_id,
      activity_id: newest.activity_id,
      product_id: 1,
      user_id: newest.user_id,
      status: statusOf(newest.seq),
      created_at: new Date(newest.token_time).toISOString(),
      pay_by: new Date(newest.pay_by).toISOString(),
      paid_at: null,
    });
  });

  it('pages through every order exactly once, ties included, and ends with a null cursor', async () => {
    const { ids, pages } = await allPages('limit=40');
    expect(pages).toBe(7);
    expect(ids).toEqual(newestFirst(records));
  });

  it('keeps its place when newer orders arrive between pages', async () => {
    let inserted = false;
    const late = orderRecord(7, 1_000, 101, base + 10_000_000);
    const { ids } = await allPages('activity_id=7&limit=50', async () => {
      if (inserted) return;
      inserted = true;
      await new OrderStore(h.mysql).insert([late]);
    });
    expect(ids).toEqual(newestFirst(records.filter((r) => r.activity_id === 7)));
    await h.mysql.query('DELETE FROM orders WHERE order_id = ?', [late.order_id]);
  });

  it.each<[string, (r: (typeof records)[number]) => boolean]>([
    ['activity_id=8', (r) => r.activity_id === 8],
    ['status=expired', (r) => statusOf(r.seq) === 'expired'],
    ['user_id=102', (r) => r.user_id === 102],
    ['activity_id=7&status=unpaid&user_id=103', (r) => r.activity_id === 7 && statusOf(r.seq) === 'unpaid' && r.user_id === 103],
  ])('filters by %s, across pages', async (filter, matches) => {
    const { ids } = await allPages(`${filter}&limit=17`);
    const expected = newestFirst(records.filter(matches));
    expect(expected.length).toBeGreaterThan(17);
    expect(ids).toEqual(expected);
  });

  it('answers an empty page with a null cursor when nothing matches, and up to 1000 at once', async () => {
    expect((await h.call('GET', '/admin/orders?activity_id=9')).body.result).toEqual({ orders: [], next_cursor: null });
    const all = await h.call('GET', '/admin/orders?limit=1000');
    expect(all.body.result.orders).toHaveLength(250);
    expect(all.body.result.next_cursor).toBeNull();
  });

  const garbled = (json: string) => Buffer.from(json).toString('base64url');
  it.each([
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=ten', 'limit'],
    ['status=shipped', 'status'],
    ['status=paid&status=unpaid', 'status'],
    ['activity_id=0', 'activity_id'],
    ['activity_id=1e3', 'activity_id'],
    ['user_id=-4', 'user_id'],
    ['cursor=', 'cursor'],
    ['cursor=not*base64', 'cursor'],
    [`cursor=${garbled('not json')}`, 'cursor'],
    [`cursor=${garbled('{"at":1,"id":"7-1"}')}`, 'cursor'],
    [`cursor=${garbled('[-1,"7-1"]')}`, 'cursor'],
    [`cursor=${garbled('[1e20,"7-1"]')}`, 'cursor'],
    [`cursor=${garbled('[1000,""]')}`, 'cursor'],
    [`cursor=${'A'.repeat(201)}`, 'cursor'],
  ])('refuses %s with 400/1101 naming the field', async (query, field) => {
    const res = await h.call('GET', `/admin/orders?${query}`);
    expect([res.status, res.body.code]).toEqual([400, 1101]);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('is for operators only', async () => {
    expect((await h.call('GET', '/admin/orders', undefined, h.tokens.shopper)).status).toBe(403);
    expect((await h.call('GET', '/admin/orders', undefined, null)).status).toBe(401);
  });
});

describe('GET /admin/refunds', () => {
  beforeAll(async () => {
    const at = (s: number) => new Date(base + s * 1_000);
    await h.mysql.query('INSERT INTO payments (payment_id, order_id, provider, outcome, received_at) VALUES ?', [
      [
        ['pay-1', records[0]!.order_id, 'sandbox', 'refund_due', at(1)],
        ['pay-2', records[1]!.order_id, 'sandbox', 'captured', at(2)],
        ['pay-3', '99-1', 'sandbox', 'refund_due', at(3)],
        ['pay-4', records[2]!.order_id, 'sandbox', 'refund_due', at(3)],
      ],
    ]);
  });

  it('lists the refunds due, newest first, with their orders, a page at a time', async () => {
    const first = await h.call('GET', '/admin/refunds?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.result.refunds).toEqual([
      {
        payment_id: 'pay-4',
        order_id: records[2]!.order_id,
        provider: 'sandbox',
        received_at: new Date(base + 3_000).toISOString(),
        order: expect.objectContaining({ order_id: records[2]!.order_id, user_id: records[2]!.user_id, status: 'unpaid' }),
      },
      { payment_id: 'pay-3', order_id: '99-1', provider: 'sandbox', received_at: new Date(base + 3_000).toISOString(), order: null },
    ]);
    const rest = await h.call('GET', `/admin/refunds?limit=2&cursor=${first.body.result.next_cursor}`);
    expect(rest.body.result.refunds.map((r: { payment_id: string }) => r.payment_id)).toEqual(['pay-1']);
    expect(rest.body.result.next_cursor).toBeNull();
    expect((await h.call('GET', '/admin/refunds')).body.result.refunds).toHaveLength(3);
  });

  it('refuses a malformed cursor or limit, and shoppers', async () => {
    for (const query of ['cursor=%%%', 'limit=-1']) expect((await h.call('GET', `/admin/refunds?${query}`)).body.code).toBe(1101);
    expect((await h.call('GET', '/admin/refunds', undefined, h.tokens.shopper)).status).toBe(403);
  });
});
