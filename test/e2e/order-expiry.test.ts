import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Suite, isolate, pooled, type Answer, type Shopper } from '@sk/test-support';
import { expectStored, ordersOf } from './order-checks.js';

const iso = isolate('e2e_order_expiry');
let suite: Suite;

beforeAll(async () => {
  // Two sk-app instances: a unit given back must reopen the sale on each of them.
  suite = await Suite.start(iso, { skApp: 2, env: { RATE_LIMITS: 'off' } });
});

afterAll(async () => {
  await suite?.stop();
  await iso.cleanup();
});

const wins = (answers: Answer[]) => answers.filter((a) => a.body.code === 1002);

describe('the payment window', () => {
  it('expires unpaid orders within 5 s of pay_by, gives every unit back once, and the stock sells again exactly', async () => {
    const shoppers = await suite.shoppers(40, 'exp');
    const { productId, activityId } = await suite.sale({ total: 20, buy_limit: 1, pay_window_s: 5 });
    await suite.until(productId, 'on_sale');
    const first = wins(
      await pooled(
        shoppers.map((s) => () => suite.kill(s, productId)),
        40,
      ),
    );
    expect(first).toHaveLength(20);
    await suite.until(productId, 'sold_out');

    const lastPayBy = Math.max(...first.map((a) => Number(a.body.result!.pay_by)));
    await sleep(Math.max(0, lastPayBy + 5_000 - Date.now()));
    const orders = await ordersOf(suite, shoppers);
    expect(orders.filter((o) => o.activity_id === activityId).map((o) => o.status)).toEqual(Array(20).fill('expired'));
    // Back on sale on every instance within 2 s of the last expiry.
    await suite.until(productId, 'on_sale', 2_000);
    expect((await suite.admin('GET', `/admin/activities/${activityId}/reconciliation`)).body.result).toEqual({
      sold: 0,
      held: 0,
      drift: 0,
    });

    // Everyone tries again, the first winners too (their count went back with their unit).
    const again = await pooled(
      shoppers.map((s) => () => suite.kill(s, productId)),
      40,
    );
    expect(wins(again)).toHaveLength(20);
    expect(again.filter((a) => a.body.code !== 1002).every((a) => a.body.code === 1004)).toBe(true);
    // The new orders are stored within 2 s.
    await expect
      .poll(async () => (await suite.admin('GET', `/admin/activities/${activityId}`)).body.result, { timeout: 2_000, interval: 100 })
      .toMatchObject({ sold: 20, remaining: 0, orders: { unpaid: 20, paid: 0, expired: 20, cancelled: 0 } });
  });

  it('lets exactly one of a payment and the expiry win, on 200 orders racing at pay_by', async () => {
    const shoppers = await suite.shoppers(200, 'race');
    const { productId, activityId } = await suite.sale({ total: 200, buy_limit: 1, pay_window_s: 5 });
    await suite.until(productId, 'on_sale');
    const won = wins(
      await pooled(
        shoppers.map((s) => () => suite.kill(s, productId)),
        50,
      ),
    );
    expect(won).toHaveLength(200);
    const byUser = new Map<number, Shopper>(shoppers.map((s) => [s.userId, s]));
    await expectStored(suite, activityId, 200, 5_000);

    // Each payment leaves at its order's pay_by, give or take 100 ms: some before, some after.
    const paid = await Promise.all(
      won.map(async (a) => {
        const { order_id, pay_by, user_id } = a.body.result as { order_id: string; pay_by: number; user_id: number };
        await sleep(Math.max(0, pay_by + (Math.random() * 200 - 100) - Date.now()));
        return suite.call('POST', `/orders/${order_id}/pay`, undefined, byUser.get(user_id)!.accessToken);
      }),
    );
    for (const answer of paid)
      expect([
        [200, 0],
        [410, 1113],
      ]).toContainEqual([answer.status, answer.body.code]);
    const paidCount = paid.filter((a) => a.status === 200).length;

    await sleep(Math.max(0, Math.max(...won.map((a) => Number(a.body.result!.pay_by))) + 5_000 - Date.now()));
    const orders = (await ordersOf(suite, shoppers)).filter((o) => o.activity_id === activityId);
    expect(orders.filter((o) => o.status === 'paid')).toHaveLength(paidCount);
    expect(orders.filter((o) => o.status === 'expired')).toHaveLength(200 - paidCount);
    // A payment answered 200 is a paid order, and the other way round.
    const paidIds = new Set(orders.filter((o) => o.status === 'paid').map((o) => o.order_id));
    paid.forEach((answer, i) => expect(answer.status === 200).toBe(paidIds.has(String(won[i]!.body.result!.order_id))));
    // The expired ones' units are back, once each.
    await expect
      .poll(async () => (await suite.call('GET', `/sec/info?product_id=${productId}`)).body.result?.remaining, { timeout: 5_000 })
      .toBe(200 - paidCount);
    expect((await suite.admin('GET', `/admin/activities/${activityId}/reconciliation`)).body.result).toEqual({
      sold: paidCount,
      held: paidCount,
      drift: 0,
    });
  });
});
