/** A provider's confirmation as it reaches `POST /payments/notify`: the raw body and its signature header. */
export interface SignedNotification {
  body: string;
  signature: string;
}

/** What a verified notification says. */
export interface PaymentConfirmation {
  payment_id: string;
  order_id: string;
}

/** The header a provider signs its notifications in. */
export const SIGNATURE_HEADER = 'x-payment-signature';

/**
 * A payment provider. Money is confirmed only by a signed notification, the same way whether the
 * provider calls back over HTTP later or, like the sandbox, at once.
 */
export interface PaymentProvider {
  readonly name: string;
  /**
   * Starts the payment of an order. Idempotent per order (the order id is the idempotency key), so
   * a retried or concurrent pay is the same payment. A provider that confirms at once returns its
   * notification; others call `POST /payments/notify` later.
   */
  charge(orderId: string): Promise<{ payment_id: string; notification?: SignedNotification }>;
  /** The confirmation a notification carries, or undefined when it is not signed by this provider (or says no payment). */
  confirmationOf(notification: SignedNotification): PaymentConfirmation | undefined;
}
