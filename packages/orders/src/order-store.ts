import type { OrderRecord } from '@sk/seckill';
import type { Pool, Tx } from '@sk/storage';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { ORDER_COLUMNS, noOrders, toOrder, type Order, type OrderCounts, type OrderRow, type OrderStatus } from './order.js';

/**
 * Orders in MySQL, the truth of what was sold. Every change of status is a compare-and-set
 * update: of a payment, an expiry and a cancel racing on one order, exactly one changes the row
 * (pay needs `pay_by` ahead, expiry needs it passed, both need `unpaid`), on MySQL's one clock.
 */
export class OrderStore {
  constructor(private readonly mysql: Pool) {}

  /**
   * Stores the records the qualification step made, in one statement. A record stored before (a
   * replayed stream entry) is left as it is, whatever became of its order since.
   */
  async insert(records: readonly OrderRecord[]): Promise<void> {
    if (records.length === 0) return;
    const rows = records.map((r) => [
      r.order_id,
      r.activity_id,
      r.seq,
      r.user_id,
      r.product_id,
      r.nonce,
      r.token,
      new Date(r.token_time),
      new Date(r.pay_by),
    ]);
    await this.mysql.query(
      'INSERT INTO orders (order_id, activity_id, seq, user_id, product_id, nonce, token, created_at, pay_by) VALUES ? ON DUPLICATE KEY UPDATE order_id = order_id',
      [rows],
    );
  }

  async get(orderId: string): Promise<Order | undefined> {
    const [rows] = await this.mysql.query<OrderRow[]>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE order_id = ?`, [orderId]);
    return rows[0] && toOrder(rows[0]);
  }

  /** A user's orders, newest first. */
  async ofUser(userId: number, limit: number): Promise<Order[]> {
    const [rows] = await this.mysql.query<OrderRow[]>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = ? ORDER BY created_at DESC, seq DESC LIMIT ?`,
      [userId, limit],
    );
    return rows.map(toOrder);
  }

  /** The activity's orders that hold a unit (unpaid, paid), in the order they were made. */
  async heldOf(activityId: number): Promise<Order[]> {
    const [rows] = await this.mysql.query<OrderRow[]>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE activity_id = ? AND status IN ('unpaid', 'paid') ORDER BY seq`,
      [activityId],
    );
    return rows.map(toOrder);
  }

  /** The highest order sequence the activity has used, held or not (0 when none). */
  async maxSeq(activityId: number): Promise<number> {
    const [[row]] = await this.mysql.query<RowDataPacket[]>('SELECT COALESCE(MAX(seq), 0) AS seq FROM orders WHERE activity_id = ?', [
      activityId,
    ]);
    return Number(row!.seq);
  }

  /** Orders per status of an activity (every status present, 0 when none). */
  async countsOf(activityId: number): Promise<OrderCounts> {
    return (await this.counts([activityId])).get(activityId) ?? noOrders();
  }

  /** Orders per status, by activity: of the given ones, or of all when none is given. */
  async counts(activityIds?: readonly number[]): Promise<Map<number, OrderCounts>> {
    if (activityIds?.length === 0) return new Map();
    const where = activityIds ? 'WHERE activity_id IN (?)' : '';
    const [rows] = await this.mysql.query<RowDataPacket[]>(
      `SELECT activity_id, status, COUNT(*) AS n FROM orders ${where} GROUP BY activity_id, status`,
      activityIds ? [activityIds] : [],
    );
    const counts = new Map<number, OrderCounts>();
    for (const row of rows) {
      const id = Number(row.activity_id);
      const of = counts.get(id) ?? noOrders();
      of[row.status as OrderStatus] = Number(row.n);
      counts.set(id, of);
    }
    return counts;
  }

  /** unpaid → expired, when its `pay_by` has passed. True when this call changed it. */
  async expire(orderId: string): Promise<boolean> {
    return this.changed(
      "UPDATE orders SET status = 'expired', closed_at = NOW(3) WHERE order_id = ? AND status = 'unpaid' AND pay_by <= NOW(3)",
      [orderId],
    );
  }

  /** unpaid → cancelled, by its owner. True when this call changed it. */
  async cancel(orderId: string, userId: number): Promise<boolean> {
    return this.changed(
      "UPDATE orders SET status = 'cancelled', closed_at = NOW(3) WHERE order_id = ? AND user_id = ? AND status = 'unpaid'",
      [orderId, userId],
    );
  }

  /** unpaid → paid, while `pay_by` is ahead, in the caller's transaction. True when this call changed it. */
  async pay(tx: Tx, orderId: string, paymentId: string): Promise<boolean> {
    return this.changed(
      "UPDATE orders SET status = 'paid', paid_at = NOW(3), payment_id = ? WHERE order_id = ? AND status = 'unpaid' AND pay_by > NOW(3)",
      [paymentId, orderId],
      tx,
    );
  }

  /** Records that an expired or cancelled order's unit is back in the sale. */
  async markReturned(orderId: string): Promise<void> {
    await this.mysql.query("UPDATE orders SET stock_returned = 1 WHERE order_id = ? AND status IN ('expired', 'cancelled')", [orderId]);
  }

  /** Unpaid orders whose `pay_by` has passed: what the sweep expires. */
  async due(limit: number): Promise<string[]> {
    const [rows] = await this.mysql.query<RowDataPacket[]>(
      "SELECT order_id FROM orders WHERE status = 'unpaid' AND stock_returned = 0 AND pay_by <= NOW(3) ORDER BY pay_by LIMIT ?",
      [limit],
    );
    return rows.map((r) => String(r.order_id));
  }

  /** Expired or cancelled orders whose unit is not back in the sale yet (a releaser stopped between the two steps). */
  async unreturned(limit: number): Promise<Order[]> {
    const [rows] = await this.mysql.query<OrderRow[]>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE status IN ('expired', 'cancelled') AND stock_returned = 0 LIMIT ?`,
      [limit],
    );
    return rows.map(toOrder);
  }

  private async changed(sql: string, values: unknown[], db: Tx = this.mysql): Promise<boolean> {
    const [result] = await db.query<ResultSetHeader>(sql, values);
    return result.affectedRows === 1;
  }
}
