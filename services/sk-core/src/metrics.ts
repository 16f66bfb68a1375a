import { Gauge, Histogram, type Registry } from '@sk/http';
import { readSold, remainingOf, type ActivityBook, type RedisKeys } from '@sk/seckill';
import type { Redis } from '@sk/storage';

/** How sk-core keeps up: the size of the batches it pops and the time each takes to decide and answer. */
export function batchMetrics(registry: Registry) {
  const size = new Histogram({
    name: 'sk_core_batch_size',
    help: 'Requests per popped batch',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'sk_core_batch_seconds',
    help: 'Time to decide a batch (Lua steps) and push its replies',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [registry],
  });
  return {
    observe: (count: number, took: number) => {
      size.observe(count);
      seconds.observe(took);
    },
  };
}

/**
 * Sold and remaining stock per activity, read from Redis (the truth, whatever instance sold) at
 * each scrape: one read per gauge and scrape, nothing on the sale's path. Empty while Redis is down.
 */
export function stockMetrics(registry: Registry, book: ActivityBook, redis: Redis, keys: RedisKeys) {
  const gauge = (name: string, help: string, value: (total: number, sold: number) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['activity_id'],
      registers: [registry],
      async collect() {
        this.reset();
        const activities = book.all();
        if (activities.length === 0) return;
        const sold = await readSold(redis, keys, activities.map((a) => a.activity_id)).catch(() => null);
        if (!sold) return;
        activities.forEach((a, i) => this.set({ activity_id: a.activity_id }, value(a.total, sold[i]!)));
      },
    });
  gauge('sk_activity_sold', 'Units sold, per activity', (_total, sold) => sold);
  gauge('sk_activity_remaining', 'Units left to sell, per activity', remainingOf);
}
