import { useState } from 'preact/hooks';
import { resultOf } from '../api/http.js';
import { serverClock } from '../api/server-clock.js';
import type { Session } from '../api/session.js';
import type { Order, Qualification } from '../api/types.js';
import { usePoll } from '../shared/use-poll.js';

const ORDERS_EVERY_MS = 2_000;

export interface MyOrders {
  /** Newest first. */
  orders: Order[];
  problem: string | undefined;
  /** A win, shown as its order at once (the list has it within 2 s). */
  addWin: (won: Qualification) => void;
  /** Pays; Refused when the order cannot be paid. */
  pay: (order: Order) => Promise<void>;
}

/**
 * The shopper's orders: `GET /orders`, and what this page learnt before the list did (a win, a
 * payment). An order only moves on from unpaid, so a settled status is never shown unpaid again.
 */
export function useMyOrders(session: Session, userId: number): MyOrders {
  const listed = usePoll(async () => resultOf(await session.call<Order[]>('GET', '/orders')), ORDERS_EVERY_MS, [userId]);
  const [known, setKnown] = useState<Order[]>([]);
  const remember = (order: Order) => setKnown((orders) => [order, ...orders.filter((o) => o.order_id !== order.order_id)]);

  return {
    orders: merge(listed.data ?? [], known),
    problem: listed.problem,
    addWin: (won) => {
      const created_at = new Date(serverClock.now()).toISOString();
      remember({ ...won, status: 'unpaid', created_at, pay_by: new Date(won.pay_by).toISOString(), paid_at: null });
      listed.refresh();
    },
    pay: async (order) => {
      remember(resultOf(await session.call<Order>('POST', `/orders/${encodeURIComponent(order.order_id)}/pay`)));
      listed.refresh();
    },
  };
}

const settled = (order: Order) => order.status !== 'unpaid';

function merge(listed: Order[], known: Order[]): Order[] {
  const byId = new Map(listed.map((o) => [o.order_id, o]));
  for (const order of known) {
    const other = byId.get(order.order_id);
    if (!other || (settled(order) && !settled(other))) byId.set(order.order_id, order);
  }
  return [...byId.values()].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
}
