import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxProvider } from '../../services/sk-order/src/payments/sandbox.js';
import { Suite, isolate, pooled, type Answer, type Shopper } from '@sk/test-support';
import { expectStored, ordersOf } from './order-checks.js';

const iso = isolate('e2e_orders');
let suite: Suite;

beforeAll(async () => {
  // Without the gateway's limits: these tests hammer one order with a thousand concurrent calls.
  suite = await Suite.start(iso, { env: { RATE_LIMITS: 'off' } });
});

afterAll(async () => {
  await suite?.stop();
  await iso.cleanup();
});

const won = (a: Answer) => a.body.code === 1002;
const orderIdOf = (a: Answer) => String(a.body.result!.order_id);

describe('every win an order, exactly once', () => {
  it('300 shoppers × 5 attempts on 100 in stock, limit 2: one order per 1002, with its order_id', async () => {
    const shoppers = await suite.shoppers(300, 'ord');
    const { productId, activityId } = await suite.sale({ total: 100, buy_limit: 2 });
    await suite.until(productId, 'on_sale');
    const attempts = shoppers.flatMap((s) => Array.from({ length: 5 }, () => s));
    const answers = await pooled(
      attempts.map((s) => async () => ({ shopper: s, answer: await suite.kill(s, productId) })),
      150,
    );
    const wins = answers.filter((a) => won(a.answer));
    expect(wins).toHaveLength(100);
    expect(new Set(wins.map((w) => orderIdOf(w.answer))).size).toBe(100);

    // Every 1002 is listed to its shopper within 2 s, with the 1002's order_id, once.
    const winners = [...new Set(wins.map((w) => w.shopper))];
    await expectStored(suite, activityId, wins.length, 2_000);
    const listed = await ordersOf(suite, winners);
    const ids = listed.map((o) => o.order_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(wins.map((w) => orderIdOf(w.answer)).sort());
    for (const w of wins) {
      const order = listed.find((o) => o.order_id === orderIdOf(w.answer))!;
      expect(order).toMatchObject({
        user_id: w.shopper.userId,
        activity_id: activityId,
        product_id: productId,
        status: 'unpaid',
        paid_at: null,
      });
      expect(new Date(order.pay_by).getTime() - new Date(order.created_at).getTime()).toBe(900_000);
    }
    const report = await suite.admin('GET', `/admin/activities/${activityId}/reconciliation`);
    expect(report.body.result).toEqual({ sold: 100, held: 100, drift: 0 });
  });
});

describe("a shopper's orders", () => {
  let alice: Shopper;
  let bob: Shopper;
  let productId: number;
  let activityId: number;

  beforeAll(async () => {
    [alice, bob] = (await suite.shoppers(2, 'own')) as [Shopper, Shopper];
    ({ productId, activityId } = await suite.sale({ total: 3, buy_limit: 3 }));
    await suite.until(productId, 'on_sale');
  });

  const buy = async (shopper: Shopper) => {
    const answer = await suite.kill(shopper, productId);
    expect(answer.body.code).toBe(1002);
    return orderIdOf(answer);
  };

  it('shows an order to its owner only; malformed ids are refused', async () => {
    const id = await buy(alice);
    const own = await suite.call('GET', `/orders/${id}`, undefined, alice.accessToken);
    expect([own.status, own.body.result?.status]).toEqual([200, 'unpaid']);
    const foreign = await suite.call('GET', `/orders/${id}`, undefined, bob.accessToken);
    expect([foreign.status, foreign.body.code]).toEqual([404, 1003]);
    expect((await suite.call('POST', `/orders/${id}/pay`, undefined, bob.accessToken)).status).toBe(404);
    expect((await suite.call('POST', `/orders/${id}/cancel`, undefined, bob.accessToken)).status).toBe(404);
    for (const bad of ['abc', '1-', '0-1', `${activityId}-1x`, '1'.repeat(40), '%00']) {
      const res = await suite.call('GET', `/orders/${bad}`, undefined, alice.accessToken);
      expect([res.status, res.body.code], bad).toEqual([400, 1101]);
    }
    const unknown = await suite.call('GET', `/orders/${activityId}-999999`, undefined, alice.accessToken);
    expect([unknown.status, unknown.body.code]).toEqual([404, 1003]);
    expect((await suite.call('GET', '/orders')).status).toBe(401);
  });

  it('pays once however often it is asked, and a paid order cannot be cancelled', async () => {
    const id = await buy(alice);
    const pays = await Promise.all(
      Array.from({ length: 1000 }, () => suite.call('POST', `/orders/${id}/pay`, undefined, alice.accessToken)),
    );
    expect(new Set(pays.map((p) => `${p.status}/${p.body.code}/${p.body.result?.status}`))).toEqual(new Set(['200/0/paid']));
    expect(new Set(pays.map((p) => p.body.result?.paid_at)).size).toBe(1);
    const cancel = await suite.call('POST', `/orders/${id}/cancel`, undefined, alice.accessToken);
    expect([cancel.status, cancel.body.code]).toEqual([409, 1114]);
    const refunds = await suite.admin('GET', '/admin/refunds');
    expect(JSON.stringify(refunds.body.result)).not.toContain(id);
  });

  it('cancels once however often it is asked, and gives exactly one unit back', async () => {
    const id = await buy(bob);
    const before = await suite.call('GET', `/sec/info?product_id=${productId}`);
    const cancels = await Promise.all(
      Array.from({ length: 1000 }, () => suite.call('POST', `/orders/${id}/cancel`, undefined, bob.accessToken)),
    );
    expect(new Set(cancels.map((c) => `${c.status}/${c.body.code}/${c.body.result?.status}`))).toEqual(new Set(['200/0/cancelled']));
    await expect
      .poll(async () => (await suite.call('GET', `/sec/info?product_id=${productId}`)).body.result?.remaining)
      .toBe(Number(before.body.result!.remaining) + 1);
    const report = await suite.admin('GET', `/admin/activities/${activityId}/reconciliation`);
    expect(report.body.result).toMatchObject({ drift: 0 });
    const pay = await suite.call('POST', `/orders/${id}/pay`, undefined, bob.accessToken);
    expect([pay.status, pay.body.code]).toEqual([410, 1113]);
    expect((await suite.call('GET', '/orders', undefined, bob.accessToken)).body.result).toEqual([
      expect.objectContaining({ order_id: id, status: 'cancelled' }),
    ]);
  });

  it('takes payment notifications only when signed, once per payment, and keeps a late one as a refund', async () => {
    const provider = new SandboxProvider(iso.env.SK_SECRET!);
    const notify = (body: string, signature?: string) =>
      fetch(`${suite.gateway.url}/payments/notify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { 'x-payment-signature': signature }) },
        body,
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as Answer['body'] }));
    const id = await buy(alice);
    await suite.call('POST', `/orders/${id}/cancel`, undefined, alice.accessToken);
    const { notification } = await provider.charge(id);
    expect((await notify(notification.body)).status).toBe(401);
    expect((await notify(notification.body, 'ab'.repeat(32))).status).toBe(401);
    expect((await notify(notification.body.replace('succeeded', 'succeeded '), notification.signature)).status).toBe(401);
    const first = await notify(notification.body, notification.signature);
    const again = await notify(notification.body, notification.signature);
    expect(first).toEqual(again);
    expect(first.body.result).toMatchObject({ order_id: id, outcome: 'refund_due' });
    // The cancelled order stays cancelled: the money is owed back, listed for operators.
    expect((await suite.call('GET', `/orders/${id}`, undefined, alice.accessToken)).body.result?.status).toBe('cancelled');
    const refunds = await suite.admin('GET', '/admin/refunds');
    expect(JSON.stringify(refunds.body.result)).toContain(id);
  });
});
