import { Counter, Gauge, Histogram, type Registry } from '@sk/http';
import { readSold, remainingOf, type ActivityBook, type ActivityConfig, type RedisKeys } from '@sk/seckill';
import type { Redis } from '@sk/storage';

/**
 * How sk-core keeps up: the size of the batches it pops, the time each takes to decide and answer,
 * and of that the time in Redis's Lua steps; and the wins it could not answer 1002 because the
 * replicas did not confirm them (a master without its replica: a page for the SRE).
 */
export function batchMetrics(registry: Registry) {
  const histogram = (name: string, help: string, buckets: number[]) => new Histogram({ name, help, buckets, registers: [registry] });
  const timeBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];
  const size = histogram('sk_core_batch_size', 'Requests per popped batch', [1, 2, 5, 10, 20, 50, 100, 200, 500]);
  const seconds = histogram('sk_core_batch_seconds', 'Time to decide a batch (Lua steps) and push its replies', timeBuckets);
  const lua = histogram('sk_core_lua_seconds', "Time of a batch's Lua steps (one per activity in it, pipelined)", timeBuckets);
  const unconfirmed = new Counter({
    name: 'sk_core_unreplicated_wins_total',
    help: 'Wins answered 1108 because the replicas did not confirm them in time (REDIS_WAIT_REPLICAS)',
    registers: [registry],
  });
  return {
    observe: (count: number, took: number) => {
      size.observe(count);
      seconds.observe(took);
    },
    observeLua: (took: number) => lua.observe(took),
    unreplicated: (wins: number) => unconfirmed.inc(wins),
  };
}

/** Requests queued on the relay's `lists` for any sk-core to pop: a growing queue means sk-core falls behind. */
export function queueMetrics(registry: Registry, redis: Redis, lists: string[]) {
  new Gauge({
    name: 'sk_relay_queue_length',
    help: 'Requests waiting on the relay lists for sk-core, all lists together (read at each scrape; absent while Redis is down)',
    registers: [registry],
    async collect() {
      this.reset();
      const lengths = await Promise.all(lists.map((list) => redis.llen(list))).catch(() => null);
      if (lengths !== null) this.set(lengths.reduce((sum, n) => sum + n, 0));
    },
  });
}

/**
 * Sold and remaining stock per activity, read from Redis (the truth, whatever instance sold) at
 * each scrape: one read per scrape, nothing on the sale's path. Empty while Redis is down.
 */
export function stockMetrics(registry: Registry, book: ActivityBook, redis: Redis, keys: RedisKeys) {
  // prom-client collects both gauges of a scrape at once: they share the read under way.
  let reading: Promise<{ activities: ActivityConfig[]; sold: number[] } | null> | undefined;
  const read = () =>
    (reading ??= (async () => {
      const activities = book.all();
      if (activities.length === 0) return null;
      return {
        activities,
        sold: await readSold(
          redis,
          keys,
          activities.map((a) => a.activity_id),
        ),
      };
    })()
      .catch(() => null)
      .finally(() => (reading = undefined)));
  const gauge = (name: string, help: string, value: (total: number, sold: number) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['activity_id'],
      registers: [registry],
      async collect() {
        this.reset();
        const stock = await read();
        stock?.activities.forEach((a, i) => this.set({ activity_id: a.activity_id }, value(a.total, stock.sold[i]!)));
      },
    });
  gauge('sk_activity_sold', 'Units sold, per activity', (_total, sold) => sold);
  gauge('sk_activity_remaining', 'Units left to sell, per activity', remainingOf);
}
