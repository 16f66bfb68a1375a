import { randomUUID } from 'node:crypto';
import { orderRecordsOf, stockReturnedMessage, type RedisKeys, type StreamEntry } from '@sk/seckill';
import { evalScript, loadLua, type Redis } from '@sk/storage';
import { heldRecord } from './order.js';
import type { OrderStore } from './order-store.js';

const RESTORE = loadLua(new URL('../lua/restore.lua', import.meta.url));
/** Orders per Lua step while rebuilding, and stream entries per read while draining. */
const CHUNK = 500;

/** `restored`; or nothing done: `loaded` (not forced, counts present), `busy` (another rebuilder), `lost` (this one's hold expired). */
export type RestoreOutcome = 'restored' | 'loaded' | 'busy' | 'lost';

/**
 * Rebuilds an activity's sale counts in Redis from MySQL, the truth: a new activity (no counts yet),
 * one whose Redis data was lost (its loaded marker gone), or, forced, a repair. While it runs
 * nothing sells (the qualification step refuses without the marker). It first stores what the
 * order stream still holds, so orders made before it began are counted, then loads the held
 * orders: sold, per-user counts, qualifications, payment deadlines, and the order sequence above
 * every id used.
 */
export class SaleRestorer {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly store: OrderStore,
  ) {}

  async restore(activityId: number, opts: { force?: boolean } = {}): Promise<RestoreOutcome> {
    const token = randomUUID();
    const begun = await this.step(activityId, [token, 'begin', opts.force ? '1' : '0']);
    if (begun !== 'ok') return begun as RestoreOutcome;
    try {
      await this.drainStream(activityId);
      const [held, floor] = await Promise.all([this.store.heldOf(activityId), this.store.maxSeq(activityId)]);
      for (let at = 0; at === 0 || at < held.length; at += CHUNK) {
        const chunk = held.slice(at, at + CHUNK);
        const last = at + CHUNK >= held.length ? '1' : '0';
        const args = chunk.flatMap((o) => [
          o.order_id,
          o.user_id,
          JSON.stringify(heldRecord(o)),
          o.status === 'unpaid' ? o.pay_by.getTime() : '',
        ]);
        if ((await this.step(activityId, [token, 'load', last, floor, ...args])) !== 'ok') return 'lost';
      }
    } catch (err) {
      await this.step(activityId, [token, 'abort']).catch(() => {});
      throw err;
    }
    await this.redis.publish(this.keys.stockReturnedChannel, stockReturnedMessage(activityId)).catch(() => {});
    return 'restored';
  }

  /** Stores every order the activity's stream holds (each at most once: stored ones are skipped). */
  private async drainStream(activityId: number): Promise<void> {
    let from = '-';
    for (;;) {
      const entries = (await this.redis.xrange(this.keys.orders(activityId), from, '+', 'COUNT', CHUNK)) as StreamEntry[];
      await this.store.insert(orderRecordsOf(entries).records);
      if (entries.length < CHUNK) return;
      from = `(${entries[entries.length - 1]![0]}`;
    }
  }

  private step(activityId: number, args: (string | number)[]): Promise<unknown> {
    const k = this.keys;
    const a = activityId;
    return evalScript(
      this.redis,
      RESTORE,
      [k.restoring(a), k.loaded(a), k.sold(a), k.bought(a), k.wins(a), k.quals(a), k.deadlines(a), k.seq(a)],
      args,
    );
  }
}
