import type { Redis } from '@sk/storage';
import { readSold, type RedisKeys } from '@sk/seckill';

/**
 * Sold counts for listings, read together and reused for a short while: `remaining` in a list
 * may lag a fraction of a second, the sale itself never depends on it.
 */
export class SoldCounts {
  private cached: { at: number; ids: string; counts: Map<number, number> } | null = null;
  private inflight: { ids: string; counts: Promise<Map<number, number>> } | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly maxAgeMs = 250,
  ) {}

  async get(activityIds: number[]): Promise<Map<number, number>> {
    const ids = activityIds.join(',');
    if (this.cached && this.cached.ids === ids && Date.now() - this.cached.at < this.maxAgeMs) return this.cached.counts;
    if (activityIds.length === 0) return new Map();
    if (this.inflight?.ids !== ids) {
      const counts = readSold(this.redis, this.keys, activityIds)
        .then((sold) => {
          const byId = new Map(activityIds.map((id, i) => [id, sold[i]!]));
          this.cached = { at: Date.now(), ids, counts: byId };
          return byId;
        })
        .finally(() => {
          if (this.inflight?.counts === counts) this.inflight = null;
        });
      this.inflight = { ids, counts };
    }
    return this.inflight.counts;
  }
}
