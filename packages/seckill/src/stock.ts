import type { Redis } from '@sk/storage';
import type { RedisKeys } from './wire/keys.js';

/**
 * Qualifications issued per activity, as sk-core counts them (a missing key is 0). One GET per
 * key rather than an MGET: each activity's keys live in their own hash slot, which Redis Cluster
 * refuses to mix in one command; auto-pipelining still sends the GETs in one write.
 */
export async function readSold(redis: Redis, keys: RedisKeys, activityIds: readonly number[]): Promise<number[]> {
  const values = await Promise.all(activityIds.map((id) => redis.get(keys.sold(id))));
  return values.map((v) => Number(v ?? 0));
}

export function remainingOf(total: number, sold: number): number {
  return Math.max(0, total - sold);
}
