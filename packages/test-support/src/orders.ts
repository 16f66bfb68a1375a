import { orderId, type OrderRecord } from '@sk/seckill';

/** An order as the qualification step records it (what a writer reads from the stream and `OrderStore.insert` stores). */
export function orderRecord(
  activityId: number,
  seq: number,
  userId: number,
  tokenTime = Date.now(),
  payBy = tokenTime + 900_000,
): OrderRecord {
  return {
    order_id: orderId(activityId, seq),
    seq,
    activity_id: activityId,
    product_id: 1,
    user_id: userId,
    token: 'f'.repeat(32),
    token_time: tokenTime,
    pay_by: payBy,
    nonce: `nonce-${activityId}-${seq}`,
  };
}
