import type { Order } from '../api/types.js';
import { duration } from '../shared/format.js';
import { useAction } from '../shared/use-action.js';

const PAY_WORDS = {
  1003: 'Order not stored yet — try again in a moment',
  1113: 'Too late: this order expired and can no longer be paid',
};

/** An order: its status, the time left to pay, and "Pay" while it may be paid. */
export function OrderLine({
  order,
  now,
  pay,
  label,
}: {
  order: Order;
  now: number;
  pay: (order: Order) => Promise<void>;
  label?: string | undefined;
}) {
  const paying = useAction(PAY_WORDS);
  const left = Date.parse(order.pay_by) - now;
  const payable = order.status === 'unpaid' && left > 0;

  return (
    <div class={`order ${order.status}`}>
      <span class="order-name">{label ?? `Order ${order.order_id}`}</span>
      <span class="order-status">{order.status}</span>
      {order.status === 'unpaid' && <span class="order-left">{payable ? `${duration(left)} left to pay` : 'time to pay is up'}</span>}
      {payable && (
        <button type="button" onClick={() => void paying.run(() => pay(order))} disabled={paying.busy}>
          Pay
        </button>
      )}
      {paying.problem && (
        <span class="problem" role="alert">
          {paying.problem}
        </span>
      )}
    </div>
  );
}
