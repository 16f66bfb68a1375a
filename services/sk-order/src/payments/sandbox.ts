import { KeyedMac } from '@sk/http';
import { parseJson } from '@sk/seckill';
import { z } from 'zod';
import type { PaymentConfirmation, PaymentProvider, SignedNotification } from './provider.js';

const notificationSchema = z.object({
  provider: z.literal('sandbox'),
  payment_id: z.string().min(1).max(64),
  order_id: z.string().min(1).max(40),
  status: z.enum(['succeeded', 'failed']),
});

/**
 * The sandbox provider: no money moves. Every charge succeeds at once and is confirmed by a
 * notification signed with HMAC-SHA256 under a key derived from the suite's secret, which goes
 * through the same verification as a real provider's callback.
 */
export class SandboxProvider implements PaymentProvider {
  readonly name = 'sandbox';
  private readonly mac: KeyedMac;

  constructor(secret: string) {
    this.mac = new KeyedMac(secret, 'payments:sandbox');
  }

  async charge(orderId: string): Promise<{ payment_id: string; notification: SignedNotification }> {
    const payment_id = `sbx_${orderId}`;
    const body = JSON.stringify({ provider: this.name, payment_id, order_id: orderId, status: 'succeeded' });
    return { payment_id, notification: { body, signature: this.sign(body) } };
  }

  confirmationOf({ body, signature }: SignedNotification): PaymentConfirmation | undefined {
    const given = /^[0-9a-f]{64}$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
    if (!this.mac.matches(given, body)) return undefined;
    const notification = parseJson(notificationSchema, body);
    if (notification?.status !== 'succeeded') return undefined;
    return { payment_id: notification.payment_id, order_id: notification.order_id };
  }

  /** The signature of a notification body (what the sandbox sends; tests sign with it too). */
  sign(body: string): string {
    return this.mac.of(body).toString('hex');
  }
}
