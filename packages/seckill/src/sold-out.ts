import { once } from 'node:events';
import { isRedisReady, subscribe, type Redis } from '@sk/storage';
import { z } from 'zod';
import { activityStatus } from './activity.js';
import type { ActivityBook } from './activity-book.js';
import type { RedisKeys } from './keys.js';
import { readSold } from './stock.js';

const soldOutSchema = z.object({ activity_id: z.number().int(), total: z.number().int() });

export function soldOutMessage(activityId: number, total: number): string {
  return JSON.stringify({ activity_id: activityId, total });
}

export interface SoldOutFollowerOptions {
  /** A connection of its own: it enters subscriber mode. */
  subscriber: Redis;
  redis: Redis;
  keys: RedisKeys;
  /** How often the sold counts of activities on sale are read. */
  readEveryMs?: number;
  warn?: (err: unknown) => void;
}

/**
 * Keeps an instance's sold-out knowledge current. Announcements (sk-core publishes one as an
 * activity sells out) bring the news at once; reading the sold counts of activities still on sale
 * brings what announcements cannot: a sell-out that happened before this instance started, or
 * while its subscription was down (pub/sub does not keep messages).
 */
export class SoldOutFollower {
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly book: ActivityBook,
    private readonly opts: SoldOutFollowerOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Subscribes, then reads the counts once Redis serves, and every `readEveryMs`; a failed read is retried then. */
  async start(): Promise<void> {
    const { subscriber, redis, keys } = this.opts;
    this.unsubscribe = await subscribe(subscriber, keys.soldOutChannel, (message) => this.hear(message));
    // The first read waits for its connection, as the subscription did: skipped, it would leave
    // a sell-out unknown until the next read.
    if (!isRedisReady(redis)) await once(redis, 'ready');
    await this.readCounts();
    this.timer = setInterval(() => void this.readCounts(), this.opts.readEveryMs ?? 1_000).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
  }

  /** Marks every activity on sale whose sold count has reached its total. */
  async readCounts(): Promise<void> {
    const now = this.now();
    const selling = this.book.all().filter((a) => !this.book.isSoldOut(a) && activityStatus(a, now, 0) === 'on_sale');
    // While Redis is away there is nothing to read: the next read after it returns catches up.
    if (selling.length === 0 || !isRedisReady(this.opts.redis)) return;
    try {
      const sold = await readSold(this.opts.redis, this.opts.keys, selling.map((a) => a.activity_id));
      selling.forEach((a, i) => {
        if (sold[i]! >= a.total) this.book.markSoldOut(a.activity_id, a.total);
      });
    } catch (err) {
      this.opts.warn?.(err);
    }
  }

  private hear(message: string): void {
    try {
      const parsed = soldOutSchema.safeParse(JSON.parse(message));
      if (parsed.success) this.book.markSoldOut(parsed.data.activity_id, parsed.data.total);
    } catch {
      // not ours: ignore
    }
  }
}
