import { expect } from 'vitest';
import { pooled, type Shopper, type Suite } from '../support/suite.js';

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

/** Polls the shoppers' order lists until they hold `count` orders (or `timeoutMs` passes), and answers what they hold. */
export async function waitForOrders(suite: Suite, shoppers: readonly Shopper[], count: number, timeoutMs: number, activityId?: number): Promise<ListedOrder[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listed = (await ordersOf(suite, shoppers)).filter((o) => activityId === undefined || o.activity_id === activityId);
    if (listed.length >= count || Date.now() > deadline) return listed;
    await new Promise((r) => setTimeout(r, 100));
  }
}
