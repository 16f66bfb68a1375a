import { evalScript, loadLua, type Redis } from '@sk/storage';
import { leakyBucketSchema, type LeakyBucketOptions, type Verdict } from './leaky-bucket.js';

const TAKE = loadLua(new URL('../lua/leaky-bucket.lua', import.meta.url));

/**
 * LeakyBucket kept in Redis, so that several gateways hold one bucket per key between them: a
 * shopper's limit does not grow with the number of gateways. Each request is one atomic Lua step
 * that checks and counts it.
 */
export class SharedLeakyBucket {
  private readonly args: string[];

  constructor(
    private readonly redis: Redis,
    /** Prefix of the buckets' keys, one per rule. */
    private readonly prefix: string,
    options: LeakyBucketOptions,
  ) {
    const opts = leakyBucketSchema.parse(options);
    this.args = [String(opts.rate), String(opts.burst * 1000), opts.nodelay ? '1' : '0', String(opts.maxDelayMs ?? -1)];
  }

  /** Checks a request for `key` and counts it when allowed. Rejects when Redis cannot be asked. */
  async take(key: string): Promise<Verdict> {
    const [allowed, ms] = (await evalScript(this.redis, TAKE, [this.prefix + key], this.args)) as [number, number];
    return allowed === 1 ? { allowed: true, delayMs: ms } : { allowed: false, retryAfterMs: ms };
  }
}
