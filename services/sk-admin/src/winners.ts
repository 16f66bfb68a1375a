import { Codes, SkError } from '@sk/http';
import { orderRecordSchema, parseJson, type OrderRecord, type RedisKeys } from '@sk/seckill';
import { isRedisReady, type Pool, type Redis } from '@sk/storage';
import type { RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';
import type { ActivityStore } from './activities.js';

export const winnersQuerySchema = z.object({ format: z.enum(['json', 'csv']).optional() });

/** One order holding a unit of the activity, and its shopper. */
export interface Winner {
  user_id: number;
  /** null when the user is not in this MySQL (e.g. created elsewhere). */
  username: string | null;
  token_time: string;
  order_id: string;
}

const USERNAMES_PER_QUERY = 1_000;

/**
 * Who holds a unit of an activity: one winner per order in the `quals` hash the sale keeps (an
 * expired or cancelled order leaves it), oldest first.
 */
export class WinnersReader {
  constructor(
    private readonly store: ActivityStore,
    private readonly mysql: Pool,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async of(activityId: number): Promise<Winner[]> {
    await this.store.require(activityId);
    const held = await this.readHeld(activityId);
    const names = await this.usernames([...new Set(held.map((o) => o.user_id))]);
    return held
      .sort((a, b) => a.token_time - b.token_time || a.seq - b.seq)
      .map((o) => ({ user_id: o.user_id, username: names.get(o.user_id) ?? null, token_time: new Date(o.token_time).toISOString(), order_id: o.order_id }));
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

  private async usernames(ids: number[]): Promise<Map<number, string>> {
    const names = new Map<number, string>();
    for (let i = 0; i < ids.length; i += USERNAMES_PER_QUERY) {
      const [rows] = await this.mysql.query<RowDataPacket[]>('SELECT id, username FROM users WHERE id IN (?)', [ids.slice(i, i + USERNAMES_PER_QUERY)]);
      for (const row of rows) names.set(Number(row.id), String(row.username));
    }
    return names;
  }
}

/** RFC 4180 CSV with a header line; usernames are quoted (they may hold `.`, `-`, `_` only, but stay safe). */
export function winnersCsv(winners: Winner[]): string {
  const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const lines = winners.map((w) => `${w.user_id},${w.username === null ? '' : quote(w.username)},${w.token_time},${w.order_id}`);
  return ['user_id,username,token_time,order_id', ...lines].join('\r\n') + '\r\n';
}
