import { Codes, SkError } from '@sk/http';
import { orderRecordSchema, parseJson, type OrderRecord, type RedisKeys } from '@sk/seckill';
import { isRedisReady, type Redis } from '@sk/storage';
import type { ActivityStore } from './activity-store.js';
import type { UserStore } from './user-store.js';

/** One order holding a unit of the activity, and its shopper. */
export interface Winner {
  user_id: number;
  /** null when the user is not in this MySQL (e.g. created elsewhere). */
  username: string | null;
  token_time: string;
  order_id: string;
}

/**
 * Who holds a unit of an activity: one winner per order in the `quals` hash the sale keeps (an
 * expired or cancelled order leaves it), oldest first.
 */
export class WinnersReader {
  constructor(
    private readonly activities: ActivityStore,
    private readonly users: UserStore,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async of(activityId: number): Promise<Winner[]> {
    await this.activities.require(activityId);
    const held = await this.readHeld(activityId);
    const names = await this.users.usernames([...new Set(held.map((o) => o.user_id))]);
    return held
      .sort((a, b) => a.token_time - b.token_time || a.seq - b.seq)
      .map((o) => ({
        user_id: o.user_id,
        username: names.get(o.user_id) ?? null,
        token_time: new Date(o.token_time).toISOString(),
        order_id: o.order_id,
      }));
  }

  private async readHeld(activityId: number): Promise<OrderRecord[]> {
    if (!isRedisReady(this.redis)) throw new SkError(Codes.BUSY, 'sales records unavailable');
    let raw: Record<string, string>;
    try {
      raw = await this.redis.hgetall(this.keys.quals(activityId));
    } catch {
      throw new SkError(Codes.BUSY, 'sales records unavailable');
    }
    return Object.values(raw).flatMap((json) => parseJson(orderRecordSchema, json) ?? []);
  }
}
