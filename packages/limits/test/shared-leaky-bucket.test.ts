import { afterAll, describe, expect, it } from 'vitest';
import { createRedis, type Redis } from '@sk/storage';
import { isolate } from '@sk/test-support';
import { SharedLeakyBucket } from '../src/index.js';

const iso = isolate('shared_bucket');
const clients: Redis[] = [];
/** A gateway's own connection to the shared Redis. */
const connection = () => {
  const redis = createRedis(iso.redisUrl);
  clients.push(redis);
  return redis;
};

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await iso.cleanup();
});

describe('leaky bucket shared in Redis', () => {
  it('follows the nginx vector on Redis time: rate 5/s, burst 5, without nodelay', async () => {
    const bucket = new SharedLeakyBucket(connection(), `${iso.redisPrefix}vector:`, { rate: 5, burst: 5 });
    const verdicts = [];
    for (let i = 0; i < 10; i++) verdicts.push(await bucket.take('k'));
    // The requests are a few ms apart on Redis's clock, which drains a little between them.
    const delays = verdicts.map((v) => (v.allowed ? Math.round(v.delayMs / 100) / 10 : 'x'));
    expect(delays).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1.0, 'x', 'x', 'x', 'x']);
    const refused = verdicts[6]!;
    expect(refused.allowed ? 0 : refused.retryAfterMs).toBeGreaterThan(150);
  });

  it('holds one bucket per key for every gateway: the limit does not grow with the gateways', async () => {
    const options = { rate: 1, burst: 4, nodelay: true };
    const gateways = [1, 2, 3].map(() => new SharedLeakyBucket(connection(), `${iso.redisPrefix}user:`, options));
    // 30 requests of one user, spread over three gateways at once: burst + 1 get through.
    const verdicts = await Promise.all(Array.from({ length: 30 }, (_, i) => gateways[i % 3]!.take('42')));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(5);
    // Another user has a bucket of their own.
    expect((await gateways[0]!.take('43')).allowed).toBe(true);
  });

  it('forgets a drained bucket', async () => {
    const redis = connection();
    const bucket = new SharedLeakyBucket(redis, `${iso.redisPrefix}drain:`, { rate: 1000, burst: 0, nodelay: true });
    expect((await bucket.take('k')).allowed).toBe(true);
    const ttl = await redis.pttl(`${iso.redisPrefix}drain:k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1_001);
  });
});
