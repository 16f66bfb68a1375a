import { afterAll, afterEach, expect, it } from 'vitest';
import { createBlockingRedis, createRedis, type Redis } from '@sk/storage';
import { isolate } from '@sk/test-support';
import { SoldOutFollower, redisKeys, soldOutMessage, type ActivityBook, type ActivityConfig } from '../src/index.js';

const iso = isolate('sold_out_follow');
const keys = redisKeys(iso.redisPrefix);
const clients: Redis[] = [];
const client = (redis: Redis) => (clients.push(redis), redis);
const followers: SoldOutFollower[] = [];

afterEach(() => {
  for (const f of followers.splice(0)) f.stop();
  for (const c of clients.splice(0)) c.disconnect();
});
afterAll(() => iso.cleanup());

function activity(activityId: number, total: number, overrides: Partial<ActivityConfig> = {}): ActivityConfig {
  const now = Date.now();
  return {
    activity_id: activityId,
    product_id: activityId,
    name: `activity ${activityId}`,
    start_time: now - 60_000,
    end_time: now + 3_600_000,
    total,
    buy_limit: 1,
    buy_rate: 1,
    pay_window_s: 900,
    status: 'enabled',
    version: 0,
    ...overrides,
  };
}

/** A book holding `activities` that records what it was told. */
function recordingBook(activities: ActivityConfig[] = []) {
  const marked: [number, number][] = [];
  const book = {
    all: () => activities,
    isSoldOut: (a: ActivityConfig) => marked.some(([id, total]) => id === a.activity_id && total >= a.total),
    markSoldOut: (id: number, total: number) => (marked.push([id, total]), true),
  } as unknown as ActivityBook;
  return { book, marked };
}

async function follow(book: ActivityBook, readEveryMs = 1_000): Promise<SoldOutFollower> {
  const follower = new SoldOutFollower(book, {
    subscriber: client(createBlockingRedis(iso.redisUrl)),
    redis: client(createRedis(iso.redisUrl)),
    keys,
    readEveryMs,
  });
  followers.push(follower);
  await follower.start();
  return follower;
}

/** Publishes `message` every 20 ms for up to a second until the book was told something. */
async function publishUntilHeard(marked: unknown[], message: string): Promise<void> {
  const publisher = client(createRedis(iso.redisUrl));
  for (let i = 0; i < 50 && marked.length === 0; i++) {
    await publisher.publish(keys.soldOutChannel, message);
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(marked.length).toBeGreaterThan(0);
}

// A SUBSCRIBE issued while ioredis is still in its connection handshake is answered yet never
// delivers a message (redis/ioredis#2037): a gateway started that way never learnt of a sell-out.
it('hears announcements when it starts following during the connection handshake', async () => {
  const subscriber = client(createBlockingRedis(iso.redisUrl));
  await new Promise((resolve) => subscriber.once('connect', resolve));
  expect(subscriber.status).toBe('connect');
  const { book, marked } = recordingBook();
  const follower = new SoldOutFollower(book, { subscriber, redis: client(createRedis(iso.redisUrl)), keys });
  followers.push(follower);
  await follower.start();
  await publishUntilHeard(marked, soldOutMessage(7, 100));
  expect(new Set(marked.map(String))).toEqual(new Set(['7,100']));
});

it('ignores messages that are not announcements', async () => {
  const { book, marked } = recordingBook();
  await follow(book);
  const publisher = client(createRedis(iso.redisUrl));
  await publisher.publish(keys.soldOutChannel, 'not json');
  await publisher.publish(keys.soldOutChannel, JSON.stringify({ activity_id: 'x' }));
  await publishUntilHeard(marked, soldOutMessage(8, 3));
  expect(new Set(marked.map(String))).toEqual(new Set(['8,3']));
});

// The announcement went out before this instance started: a gateway restarted after a sale
// forwarded every attempt on the sold-out product to sk-app.
it('learns at start of a sell-out announced before it started', async () => {
  const redis = client(createRedis(iso.redisUrl));
  await redis.set(keys.sold(21), 5);
  await redis.set(keys.sold(22), 4);
  const { book, marked } = recordingBook([activity(21, 5), activity(22, 5), activity(23, 5)]);
  await follow(book);
  expect(marked).toEqual([[21, 5]]);
});

it('learns by its periodic read of a sell-out whose announcement it missed', async () => {
  const { book, marked } = recordingBook([activity(31, 2), activity(32, 2, { status: 'disabled' })]);
  await follow(book, 50);
  expect(marked).toEqual([]);
  const redis = client(createRedis(iso.redisUrl));
  await redis.set(keys.sold(32), 2); // not on sale: never read, never marked
  await redis.set(keys.sold(31), 2);
  await expect.poll(() => marked, { timeout: 2_000 }).toEqual([[31, 2]]);
});
