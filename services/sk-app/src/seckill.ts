import { Codes, SkError, codeInfo } from '@sk/http';
import {
  orderRecordSchema,
  parseJson,
  shopperView,
  verifyRequestSignature,
  signKeyFor,
  type ActivityBook,
  type ActivityConfig,
  type OrderRecord,
  type Qualification,
  type RedisKeys,
} from '@sk/seckill';
import type { Redis } from '@sk/storage';
import { BuyLimitsReached } from './buy-limits.js';
import type { RelayClient } from './relay.js';
import type { SoldCounts } from './sold-counts.js';

export interface KillRequest {
  product_id: number;
  sec_time: number;
  nonce: string;
  sign: string;
}

export interface SeckillDeps {
  book: ActivityBook;
  relay: RelayClient;
  soldCounts: SoldCounts;
  redis: Redis;
  keys: RedisKeys;
  secret: string;
  secTimeWindowMs: number;
  now?: () => number;
}

const refusalByStatus = {
  disabled: Codes.DISABLED,
  not_started: Codes.NOT_STARTED,
  ended: Codes.ENDED,
  sold_out: Codes.SOLD_OUT,
} as const;

/**
 * The shopper's side of a sale. Everything that can be answered from memory is (signature, clock
 * window, activity state, known sold-out); only a plausible attempt costs a trip through the
 * relay to sk-core.
 */
export class Seckill {
  private readonly now: () => number;
  /** Derived signing keys, kept: one HMAC less per attempt. */
  private readonly signKeys = new Map<number, string>();
  private readonly limitsReached = new BuyLimitsReached();

  constructor(private readonly deps: SeckillDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** `trace`: the caller's span, carried through the relay so sk-core's work joins its trace. */
  async kill(userId: number, req: KillRequest, trace?: Record<string, string>): Promise<Qualification> {
    const { book, relay, secTimeWindowMs } = this.deps;
    const now = this.now();
    const signed = { nonce: req.nonce, product_id: req.product_id, sec_time: req.sec_time, user_id: userId };
    if (!verifyRequestSignature(this.signKeyOf(userId), signed, req.sign)) {
      throw new SkError(Codes.BAD_SIGNATURE, 'signature invalid');
    }
    if (Math.abs(now - req.sec_time) > secTimeWindowMs) throw new SkError(Codes.BAD_SIGNATURE, 'sec_time out of window');
    const activity = this.activityOf(req.product_id);
    const status = book.status(activity, now);
    if (status !== 'on_sale') throw new SkError(refusalByStatus[status]);
    if (this.limitsReached.has(activity.activity_id, userId)) throw new SkError(Codes.BUY_LIMIT);
    // The nonce is claimed by sk-core in the same atomic step as the purchase: no extra trip here.
    const outcome = await relay.send(
      {
        user_id: userId,
        activity_id: activity.activity_id,
        activity_version: activity.version,
        product_id: activity.product_id,
        nonce: req.nonce,
        nonce_ttl_ms: 2 * secTimeWindowMs + 1_000,
      },
      trace,
    );
    if (outcome.code === Codes.BUY_LIMIT.code || (outcome.code === Codes.SECKILL_SUCCESS.code && activity.buy_limit === 1)) {
      this.limitsReached.add(activity.activity_id, userId);
    }
    if (outcome.code === Codes.SECKILL_SUCCESS.code && 'result' in outcome && outcome.result) return outcome.result;
    // Marked at the total sk-core found sold: this instance may already know a grown one.
    if (outcome.code === Codes.SOLD_OUT.code && 'total' in outcome && outcome.total) book.markSoldOut(activity.activity_id, outcome.total);
    throw new SkError(codeInfo(outcome.code) ?? Codes.BUSY);
  }

  /**
   * The qualifications the user holds for the product, oldest first, from Redis: true even when
   * the reply was lost. With `nonce`, only the one that attempt won (none: 404).
   */
  async result(userId: number, productId: number, nonce?: string): Promise<{ result: Qualification; results?: Qualification[] }> {
    const candidates = this.deps.book.ofProduct(productId);
    if (candidates.length === 0) throw new SkError(Codes.NOT_FOUND, 'no activity for this product');
    const held = (await Promise.all(candidates.map((a) => this.heldBy(a.activity_id, userId)))).flat();
    held.sort((a, b) => a.token_time - b.token_time || a.seq - b.seq);
    if (nonce !== undefined) {
      const won = held.find((r) => r.nonce === nonce);
      if (!won) throw new SkError(Codes.NOT_FOUND, 'this attempt holds no qualification');
      return { result: qualificationOf(won) };
    }
    if (held.length === 0) throw new SkError(Codes.NOT_FOUND, 'no qualification held');
    const results = held.map(qualificationOf);
    return { result: results[results.length - 1]!, results };
  }

  /** Units of the activity came back (by these users' orders, or all counts rebuilt): their buyers may buy again. */
  stockReturned(activityId: number, userIds?: readonly number[]): void {
    if (userIds === undefined) this.limitsReached.forget(activityId);
    else for (const userId of userIds) this.limitsReached.forget(activityId, userId);
  }

  private async heldBy(activityId: number, userId: number): Promise<OrderRecord[]> {
    const { redis, keys } = this.deps;
    const ids = await redis.hget(keys.wins(activityId), String(userId));
    if (!ids) return [];
    const records = await redis.hmget(keys.quals(activityId), ...ids.split(','));
    return records.flatMap((raw) => {
      const record = raw === null ? undefined : parseJson(orderRecordSchema, raw);
      return record ? [record] : [];
    });
  }

  async list() {
    const activities = this.deps.book.all();
    const sold = await this.deps.soldCounts.get(activities.map((a) => a.activity_id));
    const now = this.now();
    return activities.map((a) => this.view(a, now, sold.get(a.activity_id) ?? 0));
  }

  async info(productId: number) {
    const activity = this.activityOf(productId);
    const sold = await this.deps.soldCounts.get([activity.activity_id]);
    return this.view(activity, this.now(), sold.get(activity.activity_id) ?? 0);
  }

  /** Redis's count and this instance's sold-out knowledge, whichever is fresher. */
  private view(a: ActivityConfig, now: number, sold: number) {
    const { book } = this.deps;
    if (sold >= a.total) book.markSoldOut(a.activity_id, a.total);
    return shopperView(a, now, book.isSoldOut(a) ? Math.max(sold, a.total) : sold);
  }

  private signKeyOf(userId: number): string {
    let key = this.signKeys.get(userId);
    if (!key) {
      if (this.signKeys.size >= 1_000_000) this.signKeys.clear();
      key = signKeyFor(this.deps.secret, userId);
      this.signKeys.set(userId, key);
    }
    return key;
  }

  private activityOf(productId: number): ActivityConfig {
    const activity = this.deps.book.forProduct(productId, this.now());
    if (!activity) throw new SkError(Codes.NOT_FOUND, 'no activity for this product');
    return activity;
  }
}

/** What a shopper is shown of an order record: the qualification (not the nonce, not the sequence). */
function qualificationOf({ nonce: _nonce, seq: _seq, ...qualification }: OrderRecord): Qualification {
  return qualification;
}
