import { ORDER_COLUMNS, orderView, toOrder, type OrderRow, type OrderView } from '@sk/orders';
import type { Pool } from '@sk/storage';
import type { RowDataPacket } from 'mysql2/promise';
import { newestFirst, pageOf, type PageRequest } from './pages.js';
import type { OrdersQuery } from './schemas/orders.js';

/** A payment that came for an order that could no longer take it: money to give back. */
export interface RefundView {
  payment_id: string;
  order_id: string;
  provider: string;
  received_at: string;
  /** null when no such order is stored. */
  order: OrderView | null;
}

const FILTERS = ['activity_id', 'status', 'user_id'] as const;

/** What operators list of the orders and payments in MySQL: pages newest first (see pages.ts). */
export class OrderListing {
  constructor(private readonly mysql: Pool) {}

  /** Orders matching every filter given. */
  async orders(query: OrdersQuery): Promise<{ orders: OrderView[]; next_cursor: string | null }> {
    const filters = FILTERS.filter((column) => query[column] !== undefined);
    const where = { sql: filters.map((column) => `${column} = ?`), values: filters.map((column) => query[column]) };
    const { clause, values } = newestFirst('created_at', 'order_id', query, where);
    const [rows] = await this.mysql.query<OrderRow[]>(`SELECT ${ORDER_COLUMNS} FROM orders ${clause}`, values);
    const page = pageOf(rows.map(toOrder), query.limit, (o) => ({ at: o.created_at, id: o.order_id }));
    return { orders: page.rows.map(orderView), next_cursor: page.next_cursor };
  }

  /** Payments kept as refunds due, with their orders. */
  async refunds(query: PageRequest): Promise<{ refunds: RefundView[]; next_cursor: string | null }> {
    const { clause, values } = newestFirst('p.received_at', 'p.payment_id', query, { sql: ["p.outcome = 'refund_due'"], values: [] });
    const [rows] = await this.mysql.query<RowDataPacket[]>(
      { sql: `SELECT p.*, o.* FROM payments p LEFT JOIN orders o ON o.order_id = p.order_id ${clause}`, nestTables: true },
      values,
    );
    const page = pageOf(rows, query.limit, ({ p }) => ({ at: p.received_at, id: p.payment_id }));
    const refunds = page.rows.map(({ p, o }) => ({
      payment_id: p.payment_id,
      order_id: p.order_id,
      provider: p.provider,
      received_at: p.received_at.toISOString(),
      order: o.order_id === null ? null : orderView(toOrder(o as OrderRow)),
    }));
    return { refunds, next_cursor: page.next_cursor };
  }
}
