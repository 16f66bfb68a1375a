import { OrderStore } from '@sk/orders';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';
import { orderRecord } from '@sk/test-support';

let h: Harness;
let productId: number;

async function createActivity(total = 10): Promise<number> {
  const now = Math.floor(Date.now() / 1000);
  const res = await h.call('POST', '/admin/activities', {
    name: 'Reconciled sale',
    product_id: productId,
    start_time: now,
    end_time: now + 3_600,
    total,
    buy_limit: 3,
  });
  expect(res.status).toBe(201);
  return res.body.result.activity_id;
}

/** Five orders of the activity stored in MySQL (as sk-order writes them): one expired, one paid. */
async function storeOrders(activityId: number): Promise<string[]> {
  const records = [1, 2, 3, 4, 5].map((seq) => orderRecord(activityId, seq, 200 + (seq % 2), Date.now() + seq));
  await new OrderStore(h.mysql).insert(records);
  await h.setOrderStatus('expired', [records[0]!.order_id]);
  await h.setOrderStatus('paid', [records[1]!.order_id]);
  return records.map((r) => r.order_id);
}

const reconcileEntries = async (activityId: number) =>
  (await h.call('GET', '/admin/audit?limit=500')).body.result.entries.filter(
    (e: { action: string; target: string }) => e.action === 'activity.reconcile' && e.target === `activity:${activityId}`,
  );

beforeAll(async () => {
  h = await startHarness('sk_admin_reconciliation');
  productId = (await h.call('POST', '/admin/products', { name: 'Phone' })).body.result.product_id;
});
afterAll(async () => {
  await h?.close();
});

describe('reconciliation', () => {
  it('reports a drift, repairs it from MySQL and audits the repair', async () => {
    const activityId = await createActivity();
    expect((await h.call('GET', `/admin/activities/${activityId}/reconciliation`)).body).toEqual({
      code: 0,
      message: 'ok',
      result: { sold: 0, held: 0, drift: 0 },
    });

    const orderIds = await storeOrders(activityId);
    await h.redis.set(h.keys.sold(activityId), '9');
    const drifted = await h.call('GET', `/admin/activities/${activityId}/reconciliation`);
    expect([drifted.status, drifted.body.result]).toEqual([200, { sold: 9, held: 4, drift: 5 }]);

    const repaired = await h.call('POST', `/admin/activities/${activityId}/reconciliation`);
    expect([repaired.status, repaired.body.result]).toEqual([200, { sold: 4, held: 4, drift: 0 }]);
    expect((await h.call('GET', `/admin/activities/${activityId}/reconciliation`)).body.result).toEqual({ sold: 4, held: 4, drift: 0 });
    // The held orders are the sale's again: its winners, the loaded marker.
    expect(await h.redis.exists(h.keys.loaded(activityId))).toBe(1);
    const winners = (await h.call('GET', `/admin/activities/${activityId}/winners`)).body.result;
    expect(winners.winners.map((w: { order_id: string }) => w.order_id)).toEqual(orderIds.slice(1));

    const [entry] = await reconcileEntries(activityId);
    expect(entry).toMatchObject({ actor: 'admin', before: { sold: 9, held: 4, drift: 5 }, after: { sold: 4, held: 4, drift: 0 } });
  });

  it('reports a shortfall too: orders stored that the sale does not count', async () => {
    const activityId = await createActivity();
    await storeOrders(activityId);
    expect((await h.call('GET', `/admin/activities/${activityId}/reconciliation`)).body.result).toEqual({ sold: 0, held: 4, drift: -4 });
    expect((await h.call('POST', `/admin/activities/${activityId}/reconciliation`)).body.result).toEqual({ sold: 4, held: 4, drift: 0 });
  });

  it('answers 503/1001 while another rebuild runs, and audits nothing', async () => {
    const activityId = await createActivity();
    await h.redis.set(h.keys.restoring(activityId), 'another-rebuilder', 'PX', 60_000);
    try {
      const res = await h.call('POST', `/admin/activities/${activityId}/reconciliation`);
      expect([res.status, res.body.code]).toEqual([503, 1001]);
      expect(await reconcileEntries(activityId)).toEqual([]);
      expect(await h.redis.exists(h.keys.loaded(activityId))).toBe(1);
    } finally {
      await h.redis.del(h.keys.restoring(activityId));
    }
  });

  it('answers 404/1003 for an unknown activity, 400/1101 for a malformed id, 403 to shoppers', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const missing = await h.call(method, '/admin/activities/987654/reconciliation');
      expect([missing.status, missing.body.code]).toEqual([404, 1003]);
      const malformed = await h.call(method, '/admin/activities/x1/reconciliation');
      expect([malformed.status, malformed.body.errors[0].field]).toEqual([400, 'id']);
      expect((await h.call(method, '/admin/activities/1/reconciliation', undefined, h.tokens.shopper)).status).toBe(403);
    }
  });

  it('answers 503/1001 when Redis is unreachable', async () => {
    const activityId = await createActivity();
    const withoutRedis = h.appWithoutRedis();
    try {
      for (const method of ['GET', 'POST'] as const) {
        const res = await withoutRedis.call(method, `/admin/activities/${activityId}/reconciliation`);
        expect([res.statusCode, res.json().code]).toEqual([503, 1001]);
      }
    } finally {
      await withoutRedis.close();
    }
    expect(await reconcileEntries(activityId)).toEqual([]);
  });
});
