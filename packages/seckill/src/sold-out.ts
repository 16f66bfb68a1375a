import { once } from 'node:events';
import { isRedisReady, subscribe, type Redis } from '@sk/storage';
import { activityStatus } from './activity.js';
import type { ActivityBook } from './activity-book.js';
import { readSold } from './stock.js';
import type { RedisKeys } from './wire/keys.js';
import { parseSoldOut, parseStockReturned, type StockReturned } from './wire/sold-out.js';

export interface SoldOutFollowerOptions {
  /** A connection of its own: it enters subscriber mode. */
  subscriber: Redis;
  redis: Redis;
  keys: RedisKeys;
  /** How often the sold counts of activities on sale are read. */
  readEveryMs?: number;
  warn?: (err: unknown) => void;
  /** Told of units given back, so what the instance remembers of buy limits can be forgotten. */
  onStockReturned?: (returned: StockReturned) => void;
}

/**
 * Keeps an instance's sold-out knowledge current. Announcements (sk-core publishes one as an
 * activity sells out, sk-order one as a unit comes back) bring the news at once; reading the sold
 * counts of activities on sale or known sold out brings what announcements cannot: a change that
 * happened before this instance started, or while its subscription was down (pub/sub does not
 * keep messages).
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
    const unsubscribed = await Promise.all([
      subscribe(subscriber, keys.soldOutChannel, (message) => this.hear(message)),
      subscribe(subscriber, keys.stockReturnedChannel, (message) => this.hearReturned(message)),
    ]);
    this.unsubscribe = () => unsubscribed.forEach((off) => off());
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

  /** Marks every activity on sale whose sold count has reached its total, and reopens those whose count fell below it. */
  async readCounts(): Promise<void> {
    const now = this.now();
    const selling = this.book.all().filter((a) => activityStatus(a, now, 0) === 'on_sale');
    // While Redis is away there is nothing to read: the next read after it returns catches up.
    if (selling.length === 0 || !isRedisReady(this.opts.redis)) return;
    try {
      const sold = await readSold(
        this.opts.redis,
        this.opts.keys,
        selling.map((a) => a.activity_id),
      );
      selling.forEach((a, i) => {
        if (sold[i]! >= a.total) this.book.markSoldOut(a.activity_id, a.total);
        else if (this.book.isSoldOut(a)) this.book.reopen(a.activity_id);
      });
    } catch (err) {
      this.opts.warn?.(err);
    }
  }

  private hearReturned(message: string): void {
    const returned = parseStockReturned(message);
    if (!returned) return;
    this.book.reopen(returned.activity_id);
    this.opts.onStockReturned?.(returned);
  }

  private hear(message: string): void {
    const soldOut = parseSoldOut(message);
    if (soldOut) this.book.markSoldOut(soldOut.activity_id, soldOut.total);
  }
}
