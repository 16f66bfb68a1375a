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

/**
 * Waits until MySQL holds `count` orders of the activity that hold a unit (unpaid or paid, as its
 * reconciliation counts them), failing after `timeoutMs`: one cheap call a poll, so the bound is the
 * order writer's, not the time it takes to list many shoppers' orders.
 */
export async function expectStored(suite: Suite, activityId: number, count: number, timeoutMs: number): Promise<void> {
  const held = async () => (await suite.admin('GET', `/admin/activities/${activityId}/reconciliation`)).body.result?.held;
  await expect.poll(held, { timeout: timeoutMs, interval: 50 }).toBe(count);
}
