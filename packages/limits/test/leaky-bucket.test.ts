import { describe, expect, it } from 'vitest';
import { LeakyBucket, type LeakyBucketOptions } from '../src/index.js';

/** Ten requests for one key at `t` ms: each one's delay in seconds, or 'x' when refused. */
function tenAt(bucket: LeakyBucket, t: number, key = 'k'): (number | 'x')[] {
  return Array.from({ length: 10 }, () => {
    const v = bucket.take(key, t);
    return v.allowed ? v.delayMs / 1000 : 'x';
  });
}

function fakeClock(options: LeakyBucketOptions): { bucket: LeakyBucket; at(ms: number): void } {
  let now = 0;
  return { bucket: new LeakyBucket(options, () => now), at: (ms) => void (now = ms) };
}

describe('leaky bucket (nginx limit_req)', () => {
  it('follows the vector: rate 5/s, burst 5, without nodelay', () => {
    const bucket = new LeakyBucket({ rate: 5, burst: 5 });
    expect(tenAt(bucket, 0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1.0, 'x', 'x', 'x', 'x']);
    expect(tenAt(bucket, 1_000)).toEqual([0.2, 0.4, 0.6, 0.8, 1.0, 'x', 'x', 'x', 'x', 'x']);
    expect(tenAt(bucket, 3_000)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1.0, 'x', 'x', 'x', 'x']);
  });

  it('uses the injected clock when no time is given', () => {
    const { bucket, at } = fakeClock({ rate: 5, burst: 5 });
    expect(bucket.take('k')).toEqual({ allowed: true, delayMs: 0 });
    expect(bucket.take('k')).toEqual({ allowed: true, delayMs: 200 });
    at(10_000);
    expect(bucket.take('k')).toEqual({ allowed: true, delayMs: 0 });
  });

  it('lets the burst through at once with nodelay, counting it all the same', () => {
    const bucket = new LeakyBucket({ rate: 5, burst: 5, nodelay: true });
    expect(tenAt(bucket, 0)).toEqual([0, 0, 0, 0, 0, 0, 'x', 'x', 'x', 'x']);
    expect(tenAt(bucket, 1_000)).toEqual([0, 0, 0, 0, 0, 'x', 'x', 'x', 'x', 'x']);
  });

  it('says when to retry: once the excess has leaked back under the burst', () => {
    const bucket = new LeakyBucket({ rate: 5, burst: 5 });
    tenAt(bucket, 0);
    expect(bucket.take('k', 0)).toEqual({ allowed: false, retryAfterMs: 200 });
    expect(bucket.take('k', 199).allowed).toBe(false);
    expect(bucket.take('k', 200)).toEqual({ allowed: true, delayMs: 1_000 });
  });

  it('bounds the queue: a request that would wait longer than maxDelayMs is refused', () => {
    const bucket = new LeakyBucket({ rate: 5, burst: 5, maxDelayMs: 500 });
    expect(tenAt(bucket, 0)).toEqual([0, 0.2, 0.4, 'x', 'x', 'x', 'x', 'x', 'x', 'x']);
    expect(bucket.take('k', 0)).toEqual({ allowed: false, retryAfterMs: 100 });
    expect(bucket.take('k', 100)).toEqual({ allowed: true, delayMs: 500 });
  });

  it('keeps keys apart; check counts nothing', () => {
    const bucket = new LeakyBucket({ rate: 1, burst: 0 });
    expect(bucket.check('a', 0).allowed).toBe(true);
    expect(bucket.take('a', 0).allowed).toBe(true);
    expect(bucket.take('a', 0).allowed).toBe(false);
    expect(bucket.take('b', 0).allowed).toBe(true);
  });

  it('forgets drained keys only', () => {
    const bucket = new LeakyBucket({ rate: 5, burst: 5 });
    tenAt(bucket, 0, 'busy');
    bucket.take('idle', 0);
    bucket.sweep(300);
    expect(bucket.size).toBe(1);
    bucket.sweep(1_200);
    expect(bucket.size).toBe(0);
  });

  it('refuses nonsense settings', () => {
    expect(() => new LeakyBucket({ rate: 0, burst: 1 })).toThrow();
    expect(() => new LeakyBucket({ rate: 1, burst: -1 })).toThrow();
  });
});
