import type { OrderStore } from '@sk/orders';
import { inTransaction, type Pool } from '@sk/storage';
import type { RowDataPacket } from 'mysql2/promise';
import type { PaymentConfirmation } from './provider.js';

/** `captured`: the order is paid by it; `refund_due`: it came for an order that could no longer take it. */
export type PaymentOutcome = 'captured' | 'refund_due';

export interface SettledPayment extends PaymentConfirmation {
  outcome: PaymentOutcome;
}

/**
 * Records confirmed payments, once per provider payment id, and pays the order with the same
 * transaction: a payment for an unpaid order within its window captures it; any other (expired,
 * cancelled, paid by another payment, unknown) is kept as a refund due, never reviving the order.
 * A repeated notification answers what the first one settled.
 */
export class PaymentLedger {
  constructor(
    private readonly mysql: Pool,
    private readonly orders: OrderStore,
  ) {}

  settle(provider: string, confirmation: PaymentConfirmation): Promise<SettledPayment> {
    const { payment_id, order_id } = confirmation;
    return inTransaction(this.mysql, async (tx) => {
      // Concurrent notifications of one payment wait here on the key until the first commits; a
      // duplicate then fails this statement alone, not the transaction.
      try {
        await tx.query("INSERT INTO payments (payment_id, order_id, provider, outcome) VALUES (?, ?, ?, 'captured')", [
          payment_id,
          order_id,
          provider,
        ]);
      } catch (err) {
        if ((err as { code?: string }).code !== 'ER_DUP_ENTRY') throw err;
        const [[known]] = await tx.query<RowDataPacket[]>('SELECT order_id, outcome FROM payments WHERE payment_id = ?', [payment_id]);
        return { payment_id, order_id: String(known!.order_id), outcome: known!.outcome as PaymentOutcome };
      }
      if (await this.orders.pay(tx, order_id, payment_id)) return { payment_id, order_id, outcome: 'captured' };
      await tx.query("UPDATE payments SET outcome = 'refund_due' WHERE payment_id = ?", [payment_id]);
      return { payment_id, order_id, outcome: 'refund_due' };
    });
  }
}
