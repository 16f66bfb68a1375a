import type { OrderRecord } from '@sk/seckill';
import type { RowDataPacket } from 'mysql2/promise';

export const ORDER_STATUSES = ['unpaid', 'paid', 'expired', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type OrderCounts = Record<OrderStatus, number>;
/** The counts of an activity without orders. */
export const noOrders = (): OrderCounts => ({ unpaid: 0, paid: 0, expired: 0, cancelled: 0 });
/** Orders that hold a unit of the activity's stock (unpaid and paid), of its counts by status. */
export const heldCount = (counts: OrderCounts): number => counts.unpaid + counts.paid;

/** An order as MySQL holds it. */
export interface Order {
  order_id: string;
  activity_id: number;
  seq: number;
  user_id: number;
  product_id: number;
  nonce: string;
  token: string;
  status: OrderStatus;
  created_at: Date;
  pay_by: Date;
  paid_at: Date | null;
  closed_at: Date | null;
  payment_id: string | null;
  stock_returned: boolean;
}

/** A row of `orders` as the pool answers it (BIGINT ids as numbers, DATETIMEs as Dates). */
export type OrderRow = RowDataPacket & Omit<Order, 'stock_returned'> & { stock_returned: number };

export const ORDER_COLUMNS =
  'order_id, activity_id, seq, user_id, product_id, nonce, token, status, created_at, pay_by, paid_at, closed_at, payment_id, stock_returned';

export function toOrder({ stock_returned, ...order }: OrderRow): Order {
  return { ...order, stock_returned: stock_returned === 1 };
}

/** What shoppers and operators see of an order (CONTRACT §4b). */
export function orderView(o: Order) {
  return {
    order_id: o.order_id,
    activity_id: o.activity_id,
    product_id: o.product_id,
    user_id: o.user_id,
    status: o.status,
    created_at: o.created_at.toISOString(),
    pay_by: o.pay_by.toISOString(),
    paid_at: o.paid_at?.toISOString() ?? null,
  };
}
export type OrderView = ReturnType<typeof orderView>;

/** The record the qualification step made of a held order, as the sale's counts keep it. */
export function heldRecord(o: Order): OrderRecord {
  return {
    order_id: o.order_id,
    seq: o.seq,
    activity_id: o.activity_id,
    product_id: o.product_id,
    user_id: o.user_id,
    token: o.token,
    token_time: o.created_at.getTime(),
    pay_by: o.pay_by.getTime(),
    nonce: o.nonce,
  };
}
