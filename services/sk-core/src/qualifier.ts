import { randomInt } from 'node:crypto';
import { evalScript, loadLua, type Redis, type ReplicaAcks } from '@sk/storage';
import { Codes } from '@sk/http';
import {
  orderRecordSchema,
  parseJson,
  qualificationToken,
  soldOutMessage,
  type ActivityBook,
  type ActivityConfig,
  type OrderRecord,
  type RedisKeys,
  type RelayReply,
  type RelayRequest,
} from '@sk/seckill';

const QUALIFY = loadLua(new URL('../lua/qualify.lua', import.meta.url));
/** An attempt's order record before the Lua step gives it an order id and sequence. */
type PendingRecord = Omit<OrderRecord, 'order_id' | 'seq'>;
const RATE_SCALE = 1_000_000;
const ANNOUNCE_EVERY_MS = 1_000;

export interface QualifierOptions {
  secret: string;
  now?: () => number;
  /** The buy-rate draw: true admits the attempt. A real random draw unless a test fixes it. */
  draw?: (rate: number) => boolean;
  /** Told how long a batch's Lua steps took (not called for a batch memory answered whole). */
  observeLua?: (seconds: number) => void;
  /** Wins are answered 1002 only once replicas hold them (a failover must not take a 1002 back); 1108 otherwise. */
  replicaAcks?: ReplicaAcks;
  /** Told how many wins of a step were answered 1108 for want of the replicas' confirmation. */
  unreplicated?: (wins: number) => void;
}

/** A real random draw: `rate` 0.25 admits about one attempt in four. */
export function randomDraw(rate: number): boolean {
  return rate >= 1 || randomInt(RATE_SCALE) < Math.round(rate * RATE_SCALE);
}

/**
 * Decides purchase attempts: activity state from memory, then one atomic Lua step per activity
 * and batch that checks stock and each user's count together and records the qualifications.
 */
export class Qualifier {
  private readonly now: () => number;
  private readonly draw: (rate: number) => boolean;
  private readonly announced = new Map<number, { total: number; at: number }>();

  constructor(
    private readonly redis: Redis,
    private readonly book: ActivityBook,
    private readonly keys: RedisKeys,
    private readonly opts: QualifierOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.draw = opts.draw ?? randomDraw;
  }

  /** The answer for one request, or `null` when its caller has given up (nothing moves then). */
  async qualify(req: RelayRequest): Promise<RelayReply | null> {
    const [reply] = await this.qualifyBatch([req]);
    return reply ?? null;
  }

  /**
   * Answers a batch, in order: what memory can refuse is refused at once, the rest takes one Lua
   * step per activity. `null` for requests whose callers have given up: nothing moves for them.
   */
  async qualifyBatch(reqs: RelayRequest[]): Promise<(RelayReply | null)[]> {
    await this.catchUp(reqs);
    const now = this.now();
    const replies: (RelayReply | null)[] = new Array(reqs.length).fill(null);
    const attempts = new Map<number, { activity: ActivityConfig; at: number[] }>();
    reqs.forEach((req, i) => {
      if (now > req.deadline) return;
      const activity = this.book.get(req.activity_id);
      const refusal = this.refusal(req, activity, now);
      if (refusal || !activity) {
        replies[i] =
          refusal === Codes.SOLD_OUT.code && activity
            ? { id: req.id, code: refusal, total: activity.total }
            : { id: req.id, code: refusal ?? Codes.NOT_FOUND.code };
        return;
      }
      const group = attempts.get(activity.activity_id) ?? { activity, at: [] };
      group.at.push(i);
      attempts.set(activity.activity_id, group);
    });
    if (attempts.size === 0) return replies;
    const started = performance.now();
    await Promise.all(
      [...attempts.values()].map(async ({ activity, at }) => {
        const decided = await this.decide(
          activity,
          at.map((i) => reqs[i]!),
          now,
        );
        at.forEach((i, k) => (replies[i] = decided[k]!));
      }),
    );
    this.opts.observeLua?.((performance.now() - started) / 1000);
    return replies;
  }

  /** Reads afresh the activities sk-app knows in a newer version than this instance's watch has delivered. */
  private async catchUp(reqs: RelayRequest[]): Promise<void> {
    const behind = new Set(
      reqs.filter((req) => (this.book.get(req.activity_id)?.version ?? -1) < req.activity_version).map((req) => req.activity_id),
    );
    await Promise.all([...behind].map((id) => this.book.fetch(id)));
  }

  /** The code memory alone can answer with, if any. */
  private refusal(req: RelayRequest, activity: ActivityConfig | undefined, now: number): number | undefined {
    if (!activity || activity.product_id !== req.product_id) return Codes.NOT_FOUND.code;
    switch (this.book.status(activity, now)) {
      case 'disabled':
        return Codes.DISABLED.code;
      case 'not_started':
        return Codes.NOT_STARTED.code;
      case 'ended':
        return Codes.ENDED.code;
      case 'sold_out':
        this.announceSoldOut(activity.activity_id, activity.total, now);
        return Codes.SOLD_OUT.code;
      case 'on_sale':
        return undefined;
    }
  }

  /** One atomic Lua step for attempts on one activity. */
  private async decide(activity: ActivityConfig, reqs: RelayRequest[], now: number): Promise<RelayReply[]> {
    const id = activity.activity_id;
    const k = this.keys;
    // The buy-rate draw first: an attempt it does not admit cannot win, so no order record is made for it.
    const pending = reqs.map((req) => (this.draw(activity.buy_rate) ? this.pendingRecord(req, activity, now) : undefined));
    const answers = (await evalScript(
      this.redis,
      QUALIFY,
      [
        k.loaded(id),
        k.sold(id),
        k.bought(id),
        k.wins(id),
        k.quals(id),
        k.orders(id),
        k.deadlines(id),
        k.seq(id),
        ...reqs.map((req) => k.nonce(id, req.user_id, req.nonce)),
      ],
      [
        activity.total,
        activity.buy_limit,
        id,
        ...reqs.flatMap((req, i) => {
          const record = pending[i];
          return record
            ? [req.user_id, '1', JSON.stringify(record), req.nonce_ttl_ms, record.pay_by, req.id]
            : [req.user_id, '0', '', req.nonce_ttl_ms, 0, req.id];
        }),
      ],
    )) as (number | string)[];
    // Not loaded: the counts are being rebuilt from MySQL, nothing may sell meanwhile.
    if (answers[0] === -1) return reqs.map((req) => ({ id: req.id, code: Codes.BUSY.code }));
    const sold = answers[2 * reqs.length] as number;
    if (sold >= activity.total) {
      this.book.markSoldOut(id, activity.total);
      this.announceSoldOut(id, activity.total, now);
    }
    const wins = reqs.filter((_, i) => answers[2 * i] === Codes.SECKILL_SUCCESS.code).length;
    const safe = wins === 0 || (await this.replicated(id));
    if (!safe) this.opts.unreplicated?.(wins);
    return reqs.map((req, i) => {
      const code = answers[2 * i] as number;
      if (code === Codes.SECKILL_SUCCESS.code)
        return safe ? this.won(req, String(answers[2 * i + 1]), pending[i]) : { id: req.id, code: Codes.TIMEOUT.code };
      return code === Codes.SOLD_OUT.code ? { id: req.id, code, total: activity.total } : { id: req.id, code };
    });
  }

  /** Whether the activity's writes are on the replicas the options ask for (false too when that cannot be known). */
  private async replicated(activityId: number): Promise<boolean> {
    return (await this.opts.replicaAcks?.confirm(this.keys.sold(activityId)).catch(() => false)) ?? true;
  }

  /**
   * A win's reply: the order this run recorded, or, for an attempt run again (its relay entry or
   * this step sent twice), the record of the first run. 1108 when that order gave its unit back
   * since: /sec/result tells.
   */
  private won(req: RelayRequest, order: string, pending: PendingRecord | undefined): RelayReply {
    const timeout = { id: req.id, code: Codes.TIMEOUT.code };
    if (order.startsWith('{')) {
      const stored = parseJson(orderRecordSchema, order);
      if (!stored) return timeout;
      const { nonce: _nonce, seq: _seq, ...qualification } = stored;
      return { id: req.id, code: Codes.SECKILL_SUCCESS.code, result: qualification };
    }
    if (!pending || order === '') return timeout;
    const { nonce: _nonce, ...qualification } = pending;
    return { id: req.id, code: Codes.SECKILL_SUCCESS.code, result: { ...qualification, order_id: order } };
  }

  /** The order record the Lua step completes with its order id and sequence if the attempt wins. */
  private pendingRecord(req: RelayRequest, activity: ActivityConfig, now: number): PendingRecord {
    return {
      product_id: req.product_id,
      activity_id: req.activity_id,
      user_id: req.user_id,
      token_time: now,
      token: qualificationToken(this.opts.secret, {
        user_id: req.user_id,
        activity_id: req.activity_id,
        product_id: req.product_id,
        token_time: now,
        request_id: req.id,
      }),
      pay_by: now + activity.pay_window_s * 1000,
      nonce: req.nonce,
    };
  }

  /**
   * Tells every gateway, sk-app and sk-core, which then answer the crowd from memory: at once for
   * a new total, then at most once a second while attempts keep coming, so an instance that
   * started after the sale ended learns it too.
   */
  private announceSoldOut(activityId: number, total: number, now: number): void {
    const last = this.announced.get(activityId);
    if (last && last.total === total && now - last.at < ANNOUNCE_EVERY_MS) return;
    this.announced.set(activityId, { total, at: now });
    this.redis.publish(this.keys.soldOutChannel, soldOutMessage(activityId, total)).catch(() => {});
  }
}
