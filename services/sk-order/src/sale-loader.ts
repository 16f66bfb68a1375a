import type { FastifyBaseLogger } from 'fastify';
import type { SaleRestorer } from '@sk/orders';
import type { ActivityBook, RedisKeys } from '@sk/seckill';
import type { Redis } from '@sk/storage';

/**
 * Watches that every activity's sale counts are loaded in Redis, and rebuilds from MySQL those
 * that are not: an activity sk-admin could not load when it was created, or one whose Redis data
 * was lost (a Redis restarted without its files). Until then its sale answers 503/1001.
 */
export class SaleLoader {
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly book: ActivityBook,
    private readonly restorer: SaleRestorer,
    private readonly log: FastifyBaseLogger,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.everyMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Loads every activity whose marker is missing; the ids it restored. */
  async check(): Promise<number[]> {
    if (this.checking) return [];
    this.checking = true;
    try {
      const ids = this.book.all().map((a) => a.activity_id);
      const present = await Promise.all(ids.map((id) => this.redis.exists(this.keys.loaded(id))));
      const missing = ids.filter((_, i) => present[i] === 0);
      const restored: number[] = [];
      for (const id of missing) {
        // 'busy': another instance (or sk-admin, for a new activity) is loading it.
        if ((await this.restorer.restore(id)) !== 'restored') continue;
        restored.push(id);
        this.log.warn({ activity_id: id }, 'sale counts were not loaded (new, or lost by Redis): rebuilt from MySQL');
      }
      return restored;
    } catch (err) {
      this.log.warn({ err }, 'sale counts not checked; retrying');
      return [];
    } finally {
      this.checking = false;
    }
  }
}
