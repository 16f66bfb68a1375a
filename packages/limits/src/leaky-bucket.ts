import { z } from 'zod';

export const leakyBucketSchema = z.object({
  /** Requests per second a key is allowed on average. */
  rate: z.number().positive(),
  /** Requests above the rate a key may have outstanding; the next one is refused. */
  burst: z.number().int().min(0),
  /** Serve requests within the burst at once instead of spacing them out at the rate. */
  nodelay: z.boolean().default(false),
  /** The longest a request is held for its slot (without nodelay); one that would wait longer is refused. */
  maxDelayMs: z.number().int().min(0).optional(),
});
export type LeakyBucketOptions = z.input<typeof leakyBucketSchema>;

export type Verdict = { allowed: true; delayMs: number } | { allowed: false; retryAfterMs: number };

/** Excess in thousandths of a request, as nginx counts it, so integer rates leak without rounding. */
interface Entry {
  excess: number;
  last: number;
}

/**
 * nginx's `limit_req` (and OpenResty's resty.limit.req) for many keys: a leaky bucket per key
 * draining at `rate`, holding at most `burst` requests above it. A request within the burst waits
 * `excess / rate` for its slot (none with `nodelay`); one beyond it is refused and not counted.
 * `check` and `commit` are apart so that several limits can all be asked before any counts.
 */
export class LeakyBucket {
  private readonly entries = new Map<string, Entry>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly nodelay: boolean;
  private readonly maxDelayMs: number;

  constructor(
    options: LeakyBucketOptions,
    private readonly clock: () => number = Date.now,
  ) {
    const opts = leakyBucketSchema.parse(options);
    this.rate = opts.rate;
    this.burst = opts.burst * 1000;
    this.nodelay = opts.nodelay;
    this.maxDelayMs = opts.maxDelayMs ?? Infinity;
  }

  /** Whether a request for `key` would be let through now, and after what wait; counts nothing. */
  check(key: string, now: number = this.clock()): Verdict {
    const excess = this.excessAfter(key, now);
    if (excess > this.burst) return { allowed: false, retryAfterMs: (excess - this.burst) / this.rate };
    if (this.nodelay) return { allowed: true, delayMs: 0 };
    const delayMs = excess / this.rate;
    if (delayMs > this.maxDelayMs) return { allowed: false, retryAfterMs: delayMs - this.maxDelayMs };
    return { allowed: true, delayMs };
  }

  /** Counts a request for `key` that `check` let through. */
  commit(key: string, now: number = this.clock()): void {
    const excess = this.excessAfter(key, now);
    const entry = this.entries.get(key);
    if (entry) {
      entry.excess = excess;
      entry.last = now;
    } else {
      this.entries.set(key, { excess, last: now });
    }
  }

  /** `check`, then `commit` when allowed. */
  take(key: string, now: number = this.clock()): Verdict {
    const verdict = this.check(key, now);
    if (verdict.allowed) this.commit(key, now);
    return verdict;
  }

  /** Forgets keys whose bucket has drained: their next request is treated exactly as a new key's. */
  sweep(now: number = this.clock()): void {
    for (const [key, entry] of this.entries) {
      if (this.excessOf(entry, now) === 0) this.entries.delete(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** The excess `key` would have with one more request now; a new key starts empty. */
  private excessAfter(key: string, now: number): number {
    const entry = this.entries.get(key);
    return entry ? this.excessOf(entry, now) : 0;
  }

  /** An entry's excess with one more request now: what it held, less what drained since. */
  private excessOf(entry: { excess: number; last: number }, now: number): number {
    return Math.max(entry.excess - this.rate * Math.max(now - entry.last, 0) + 1000, 0);
  }
}
