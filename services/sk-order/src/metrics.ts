import { Counter, Gauge, type Registry } from '@sk/http';
import { heldCount, ORDER_STATUSES, type OrderStore } from '@sk/orders';
import { readSold, type RedisKeys } from '@sk/seckill';
import type { Redis } from '@sk/storage';
import type { ActivityScope } from './activity-scope.js';
import { entryTime, groupState } from './stream-group.js';

/**
 * The order pipeline for SREs: orders by status and drift per activity (MySQL against Redis),
 * and the stream lag, read at each scrape; rows stored and orders expired as they happen.
 */
export function orderMetrics(registry: Registry, deps: { store: OrderStore; redis: Redis; keys: RedisKeys; scope: ActivityScope }) {
  const { store, redis, keys, scope } = deps;
  new Gauge({
    name: 'sk_orders',
    help: 'Orders in MySQL by status (read at each scrape)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await store.counts().catch(() => null);
      this.reset();
      if (!counts) return;
      for (const status of ORDER_STATUSES)
        this.set(
          { status },
          [...counts.values()].reduce((sum, c) => sum + c[status], 0),
        );
    },
  });
  new Gauge({
    name: 'sk_order_stream_lag_seconds',
    help: 'Age of the oldest order stream entry not yet stored and acknowledged, over the activities selling recently (0 when none)',
    registers: [registry],
    async collect() {
      const oldest = await Promise.all(
        scope.next().map((id) =>
          groupState(redis, keys.orders(id)).then(
            (s) => s.oldestUnacknowledged,
            () => null,
          ),
        ),
      );
      const times = oldest.flatMap((id) => (id ? [entryTime(id)] : []));
      this.set(times.length > 0 ? Math.max(0, (Date.now() - Math.min(...times)) / 1000) : 0);
    },
  });
  new Gauge({
    name: 'sk_activity_drift',
    help: "Units the sale counts as sold (Redis) minus the activity's unpaid and paid orders (MySQL); briefly above 0 while orders are in flight",
    labelNames: ['activity_id'],
    registers: [registry],
    async collect() {
      this.reset();
      const ids = scope.next();
      const [sold, counts] = await Promise.all([readSold(redis, keys, ids).catch(() => null), store.counts(ids).catch(() => null)]);
      if (!sold || !counts) return;
      ids.forEach((id, i) => {
        const orders = counts.get(id);
        this.set({ activity_id: String(id) }, sold[i]! - (orders ? heldCount(orders) : 0));
      });
    },
  });
  const rows = new Counter({
    name: 'sk_order_writer_rows_total',
    help: 'Order stream entries the order writer wrote to MySQL (an entry replayed after a crash counts again; stored once)',
    registers: [registry],
  });
  const expiries = new Counter({
    name: 'sk_order_expiries_total',
    help: 'Unpaid orders expired at the end of their payment window',
    registers: [registry],
  });
  return { stored: (n: number) => rows.inc(n), expired: () => expiries.inc() };
}
