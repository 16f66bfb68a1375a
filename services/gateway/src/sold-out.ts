import { Codes } from '@sk/http';
import type { ActivityBook, AnswerCounts } from '@sk/seckill';

/**
 * Answers a purchase attempt on a sold-out product at the gateway, from memory (activities from
 * ZooKeeper, sold-out news from sk-core over Redis pub/sub): the crowd that comes after the sale
 * costs no hop to sk-app. Anything else, or any doubt, goes on to sk-app.
 */
export class SoldOutShortcut {
  /** Answers given since the last `takeAnswered`, by activity id. */
  private answered = new Map<number, number>();

  constructor(
    private readonly book: ActivityBook,
    /** Operators' per-activity answer counts, which these answers belong to as much as sk-app's. */
    private readonly answers?: AnswerCounts,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when `body` (a raw `/sec/kill` body) names a product whose activity is known sold out. */
  isSoldOut(body: unknown): boolean {
    // While nothing is known sold out (the sale itself), the body is not even parsed.
    if (!this.book.anySoldOut || !Buffer.isBuffer(body)) return false;
    let productId: unknown;
    try {
      productId = (JSON.parse(body.toString('utf8')) as { product_id?: unknown } | null)?.product_id;
    } catch {
      return false;
    }
    if (typeof productId !== 'number' || !Number.isInteger(productId)) return false;
    const now = this.now();
    const activity = this.book.forProduct(productId, now);
    if (!activity || this.book.status(activity, now) !== 'sold_out') return false;
    this.answers?.countFor(activity.activity_id, Codes.SOLD_OUT);
    this.answered.set(activity.activity_id, (this.answered.get(activity.activity_id) ?? 0) + 1);
    return true;
  }

  /** How many attempts were answered sold out, by activity id, since the last call. */
  takeAnswered(): Map<number, number> {
    const answered = this.answered;
    this.answered = new Map();
    return answered;
  }
}
