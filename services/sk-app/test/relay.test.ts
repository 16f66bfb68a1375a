import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { redisKeys } from '@sk/seckill';
import { createBlockingRedis, createRedis } from '@sk/storage';
import { isolate } from '@sk/test-support';
import { RelayClient } from '../src/relay.js';

const iso = isolate('sk_app_relay');
const keys = redisKeys(iso.redisPrefix);
const redis = createRedis(iso.redisUrl);

afterAll(async () => {
  redis.disconnect();
  await iso.cleanup();
});

const attempt = (userId: number) => ({
  user_id: userId,
  activity_id: 1,
  product_id: 1,
  activity_version: 1,
  nonce: `nonce-${userId}`,
  nonce_ttl_ms: 60_000,
});

describe('the relay to sk-core', () => {
  it('refuses attempts 503/1001 at once once the list holds what sk-core drains in the timeout, and queues none of them', async () => {
    // No sk-core: nothing drains the list.
    const relay = new RelayClient(redis, createBlockingRedis(iso.redisUrl), keys, pino({ level: 'silent' }), {
      instanceId: 'sk-app-relay-test',
      timeoutMs: 2_000,
      maxPending: 100,
      lists: [keys.requests],
      maxDepth: 3,
    });
    relay.start();
    try {
      const waiting = [1, 2, 3].map((user) => relay.send(attempt(user)));
      await expect.poll(() => redis.llen(keys.requests)).toBe(3);
      // 1001 at once, where waiting for sk-core would end in 1108 after the timeout.
      expect((await relay.send(attempt(4))).code).toBe(1001);
      // A turn's batch that would overfill the list is refused whole.
      const batch = await Promise.all([5, 6].map((user) => relay.send(attempt(user))));
      expect(batch.map((outcome) => outcome.code)).toEqual([1001, 1001]);
      expect(await redis.llen(keys.requests)).toBe(3);
      expect((await Promise.all(waiting)).map((outcome) => outcome.code)).toEqual([1108, 1108, 1108]);
    } finally {
      await relay.stop();
    }
  });

  it('answers 1108 when a push may have landed (connection lost), 1001 when Redis refused it', async () => {
    const relayOver = (pushes: ReturnType<typeof createRedis>, instanceId: string) =>
      new RelayClient(pushes, createBlockingRedis(iso.redisUrl), keys, pino({ level: 'silent' }), {
        instanceId,
        timeoutMs: 2_000,
        maxPending: 100,
        lists: [keys.requests],
        maxDepth: 100,
      });
    // Nothing listens there: the push fails without an answer from Redis.
    const unreachable = createRedis('redis://127.0.0.1:1/0');
    const lost = relayOver(unreachable, 'sk-app-relay-lost');
    lost.start();
    // Redis answers, with an error: the relay key holds no list.
    await redis.set(keys.requests, 'not a list');
    const refusedBy = relayOver(redis, 'sk-app-relay-refused');
    refusedBy.start();
    try {
      expect((await lost.send(attempt(20))).code).toBe(1108);
      expect((await refusedBy.send(attempt(21))).code).toBe(1001);
    } finally {
      await redis.del(keys.requests);
      await Promise.all([lost.stop(), refusedBy.stop()]);
      unreachable.disconnect();
    }
  });
});
