import { afterEach, expect, it } from 'vitest';
import { createBlockingRedis, createRedis, type Redis } from '@sk/storage';
import { isolate } from '../../../test/support/infra.js';
import { followSoldOut, soldOutMessage, type ActivityBook } from '../src/index.js';

const iso = isolate('sold_out_follow');
const channel = `${iso.redisPrefix}events:sold-out`;
const clients: Redis[] = [];
const client = (redis: Redis) => (clients.push(redis), redis);

afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});

/** A book that only records what it was told. */
function recordingBook() {
  const marked: [number, number][] = [];
  const book = { markSoldOut: (id: number, total: number) => (marked.push([id, total]), true) } as unknown as ActivityBook;
  return { book, marked };
}

/** Publishes `message` every 20 ms for up to a second until the book was told something. */
async function publishUntilHeard(marked: unknown[], message: string): Promise<void> {
  const publisher = client(createRedis(iso.redisUrl));
  for (let i = 0; i < 50 && marked.length === 0; i++) {
    await publisher.publish(channel, message);
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
  await followSoldOut(subscriber, channel, book);
  await publishUntilHeard(marked, soldOutMessage(7, 100));
  expect(new Set(marked.map(String))).toEqual(new Set(['7,100']));
});

it('ignores messages that are not announcements', async () => {
  const subscriber = client(createBlockingRedis(iso.redisUrl));
  const { book, marked } = recordingBook();
  await followSoldOut(subscriber, channel, book);
  const publisher = client(createRedis(iso.redisUrl));
  await publisher.publish(channel, 'not json');
  await publisher.publish(channel, JSON.stringify({ activity_id: 'x' }));
  await publishUntilHeard(marked, soldOutMessage(8, 3));
  expect(new Set(marked.map(String))).toEqual(new Set(['8,3']));
});
