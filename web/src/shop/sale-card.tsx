import { useRef, useState } from 'preact/hooks';
import { problemOf } from '../api/http.js';
import type { Order, SaleActivity } from '../api/types.js';
import { duration } from '../shared/format.js';
import { STATUS_WORDS, statusAt } from '../shared/phase.js';
import type { Outcome } from './attempt.js';
import { OrderLine } from './order-line.js';

export interface SaleCardProps {
  activity: SaleActivity;
  /** Server time. */
  now: number;
  /** One signed attempt; undefined when this browser cannot sign (no WebCrypto). */
  buy: ((productId: number, checking: (o: Outcome) => void) => Promise<Outcome>) | undefined;
  /** The shopper's latest order in this sale. */
  order: Order | undefined;
  pay: (order: Order) => Promise<void>;
}

/** One sale: what is left, when it starts, "Buy", what came of the last attempt, and its order. */
export function SaleCard({ activity, now, buy, order, pay }: SaleCardProps) {
  const [outcome, setOutcome] = useState<Outcome>();
  const [inFlight, setInFlight] = useState(false);
  // Set in the click itself: a second click of a double-click may come before the button re-renders disabled.
  const flying = useRef(false);
  const status = statusAt(activity, now);
  const startsIn = Date.parse(activity.start_time) - now;
  const retryIn = outcome?.kind === 'refused' && outcome.retryAt !== undefined ? outcome.retryAt - now : 0;

  const click = async () => {
    if (flying.current || !buy) return;
    flying.current = true;
    setInFlight(true);
    setOutcome(undefined);
    try {
      setOutcome(await buy(activity.product_id, setOutcome));
    } catch (err) {
      setOutcome({ kind: 'refused', text: problemOf(err) });
    } finally {
      flying.current = false;
      setInFlight(false);
    }
  };

  const titleId = `sale-${activity.activity_id}`;
  return (
    <article class={`card sale ${status}`} aria-labelledby={titleId}>
      <h3 id={titleId}>{activity.name}</h3>
      <p class="badge">{STATUS_WORDS[status]}</p>
      <p class="remaining">
        Remaining: <strong>{activity.remaining}</strong> of {activity.total}
      </p>
      {status === 'not_started' && <p class="countdown">Starts in {duration(startsIn)}</p>}
      {status === 'on_sale' && <p class="countdown">Ends in {duration(Date.parse(activity.end_time) - now)}</p>}
      <button type="button" class="buy" disabled={!buy || status !== 'on_sale' || inFlight || retryIn > 0} onClick={click}>
        Buy
      </button>
      {outcome && (
        <p class={`outcome ${outcome.kind}`} role="status">
          {outcome.text}
          {retryIn > 0 && ` — try again in ${duration(retryIn)}`}
        </p>
      )}
      {order && <OrderLine order={order} now={now} pay={pay} />}
    </article>
  );
}
