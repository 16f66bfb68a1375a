import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { pooled, type Answer, type Shopper, type Suite } from '@sk/test-support';

export interface ListedOrder {
  order_id: string;
  activity_id: number;
  product_id: number;
  user_id: number;
  status: string;
  created_at: string;
  pay_by: string;
  paid_at: string | null;
}

/** Each shopper's orders as `GET /orders` lists them, all together. */
export async function ordersOf(suite: Suite, shoppers: readonly Shopper[]): Promise<ListedOrder[]> {
  const lists = await pooled(
    shoppers.map((s) => async () => {
      const res = await suite.call('GET', '/orders', undefined, s.accessToken);
      expect(res.status).toBe(200);
      return res.body.result as unknown as ListedOrder[];
    }),
    20,
  );
  return lists.flat();
}

/**
 * Waits until MySQL holds `count` orders of the activity that hold a unit (unpaid or paid, as its
 * reconciliation counts them), failing after `timeoutMs`: one cheap call a poll, so the bound is the
 * order writer's, not the time it takes to list many shoppers' orders.
 */
export async function expectStored(suite: Suite, activityId: number, count: number, timeoutMs: number): Promise<void> {
  const held = async () => (await suite.admin('GET', `/admin/activities/${activityId}/reconciliation`)).body.result?.held;
  await expect.poll(held, { timeout: timeoutMs, interval: 50 }).toBe(count);
}

/** Answers that are final for an attempt: a win or a refusal, not "busy" or "unknown". */
const FINAL = new Set([1002, 1004, 1006]);
/** Answers of a sale while a part of it is down: busy, or the outcome unknown. */
export const OUTAGE = new Set([1001, 1108, 1111]);

export interface Buyer {
  shopper: Shopper;
  /** Every answer, in order, with the nonce of its attempt. */
  answers: { answer: Answer; nonce: string }[];
}

/** A shopper who keeps trying until the sale gives a final answer (never a 500). */
export async function persistentBuyer(suite: Suite, shopper: Shopper, productId: number): Promise<Buyer> {
  const answers: Buyer['answers'] = [];
  const deadline = Date.now() + 60_000;
  for (;;) {
    const body = suite.killBody(shopper, productId);
    const answer = await suite.call('POST', '/sec/kill', body, shopper.accessToken).catch(() => null);
    if (answer) {
      expect(answer.status, JSON.stringify(answer.body)).not.toBe(500);
      answers.push({ answer, nonce: body.nonce });
      if (FINAL.has(answer.body.code)) return { shopper, answers };
    }
    if (Date.now() > deadline)
      throw new Error(`shopper ${shopper.userId} got no final answer: ${JSON.stringify(answers.map((a) => a.answer.body.code))}`);
    await sleep(100);
  }
}

/** The order ids the sale answered 1002, and those of attempts answered 1108 that did win (asked by nonce, as the contract says). */
export async function wonOrderIds(suite: Suite, productId: number, buyers: readonly Buyer[]): Promise<string[]> {
  const ids: string[] = [];
  for (const { shopper, answers } of buyers) {
    for (const { answer, nonce } of answers) {
      if (answer.body.code === 1002) ids.push(String(answer.body.result!.order_id));
      if (answer.body.code !== 1108) continue;
      const asked = await suite.call('GET', `/sec/result?product_id=${productId}&nonce=${nonce}`, undefined, shopper.accessToken);
      if (asked.body.code === 1002) ids.push(String(asked.body.result!.order_id));
    }
  }
  return ids;
}

/**
 * After a sale that went through outages: every win (1002, or 1108 that won) is an order, once,
 * stored within 2 s, listed to its owner; Redis and MySQL agree; exactly the stock was sold.
 */
export async function expectEveryWinAnOrder(
  suite: Suite,
  sale: { productId: number; activityId: number; total: number },
  buyers: readonly Buyer[],
): Promise<void> {
  const { productId, activityId, total } = sale;
  const won = await wonOrderIds(suite, productId, buyers);
  expect(new Set(won).size).toBe(won.length);
  const winners = buyers.filter((b) => b.answers.some((a) => [1002, 1108].includes(a.answer.body.code))).map((b) => b.shopper);
  await expectStored(suite, activityId, won.length, 2_000);
  const listed = (await ordersOf(suite, winners)).filter((o) => o.activity_id === activityId);
  expect(listed.map((o) => o.order_id).sort()).toEqual([...won].sort());
  await expect
    .poll(async () => (await suite.admin('GET', `/admin/activities/${activityId}/reconciliation`)).body.result)
    .toEqual({
      sold: won.length,
      held: won.length,
      drift: 0,
    });
  expect(won).toHaveLength(total);
}
