import { useMemo } from 'preact/hooks';
import { resultOf, send } from '../api/http.js';
import { Session, type SignedIn } from '../api/session.js';
import type { SaleActivity } from '../api/types.js';
import { ConnectionNote } from '../shared/connection-note.js';
import { SessionGate } from '../shared/session-gate.js';
import { usePoll } from '../shared/use-poll.js';
import { useServerNow } from '../shared/use-server-now.js';
import { attempt, type Outcome } from './attempt.js';
import { OrderLine } from './order-line.js';
import { SaleCard } from './sale-card.js';
import { signingKey } from './sign.js';
import { useMyOrders } from './use-my-orders.js';

const session = new Session('sk.shop');

// Within the 2 s the page promises, and off the second: answers at every phase of the server's
// second sharpen its clock (ServerClock).
const LIST_EVERY_MS = 900;

export function ShopApp() {
  return (
    <SessionGate title="Flash sale" signInTitle="Sign in to buy" session={session}>
      {(who) => <Shop who={who} />}
    </SessionGate>
  );
}

function Shop({ who }: { who: SignedIn }) {
  // /sec/list without the token: polling costs nothing of the shopper's own rate limit.
  const sales = usePoll(async () => resultOf(await send<SaleActivity[]>('GET', '/sec/list')), LIST_EVERY_MS);
  const myOrders = useMyOrders(session, who.grant.user_id);
  const now = useServerNow();
  const { user_id, sign_key } = who.grant;
  // WebCrypto exists only in a secure context (https, or localhost).
  const key = useMemo(() => (crypto.subtle ? signingKey(sign_key) : undefined), [sign_key]);

  const buy =
    key &&
    (async (productId: number, checking: (o: Outcome) => void) => {
      const outcome = await attempt(session, await key, user_id, productId, checking);
      if (outcome.kind === 'won') myOrders.addWin(outcome.won);
      return outcome;
    });
  const names = new Map(sales.data?.map((a) => [a.activity_id, a.name]));

  return (
    <>
      <ConnectionNote problem={sales.problem} />
      {!key && <p class="problem">This page can only sign purchases over https (or on localhost).</p>}
      <section aria-labelledby="sales-title">
        <h2 id="sales-title">Sales</h2>
        {sales.data?.length === 0 && <p class="note">No sales right now</p>}
        <ul class="sales">
          {sales.data?.map((activity) => (
            <li key={activity.activity_id}>
              <SaleCard
                activity={activity}
                now={now}
                buy={buy}
                order={myOrders.orders.find((o) => o.activity_id === activity.activity_id)}
                pay={myOrders.pay}
              />
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="orders-title">
        <h2 id="orders-title">My orders</h2>
        {myOrders.problem && <p class="note">{myOrders.problem}</p>}
        {myOrders.orders.length === 0 && !myOrders.problem && <p class="note">No orders yet</p>}
        <ul class="orders">
          {myOrders.orders.map((order) => (
            <li key={order.order_id}>
              <OrderLine
                order={order}
                now={now}
                pay={myOrders.pay}
                label={`${names.get(order.activity_id) ?? `Sale ${order.activity_id}`} · order ${order.order_id}`}
              />
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
