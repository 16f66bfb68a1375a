import type { ActivityBook } from '@sk/seckill';

/** How long after its end an activity is still looked at on every round (late orders, payment windows). */
const RECENT_MS = 3_600_000;
/** One round in this many looks at every activity, however old. */
const FULL_ROUND_EVERY = 20;

/**
 * The activities a periodic task looks at in a round: those on sale or recently ended every time,
 * every one known now and then. Each activity has its own stream and keys (its own slot on a
 * cluster), so a task visits them one by one; old ones rarely have anything left.
 */
export class ActivityScope {
  private rounds = 0;

  constructor(
    private readonly book: ActivityBook,
    private readonly now: () => number = Date.now,
  ) {}

  next(): number[] {
    const all = this.book.all();
    if (this.rounds++ % FULL_ROUND_EVERY === 0) return all.map((a) => a.activity_id);
    const now = this.now();
    return all.filter((a) => a.start_time - RECENT_MS <= now && now <= a.end_time + RECENT_MS).map((a) => a.activity_id);
  }
}
