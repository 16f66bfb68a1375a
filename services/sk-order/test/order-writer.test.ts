import { createLogger } from '@sk/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderStore } from '@sk/orders';
import { redisKeys, type OrderRecord } from '@sk/seckill';
import { MIGRATIONS_DIR, createMysql, createRedis, migrate, type Pool, type Redis } from '@sk/storage';
import type { ActivityScope } from '../src/activity-scope.js';
import { OrderWriter, type OrderWriterOptions } from '../src/order-writer.js';
import { WRITERS_GROUP } from '../src/stream-group.js';
import { isolate, orderRecord } from '@sk/test-support';

const iso = isolate('order_writer');
const keys = redisKeys(iso.redisPrefix);
const log = createLogger('test', 'silent');
const ACTIVITY = 5;
let redis: Redis;
let mysql: Pool;
let store: OrderStore;

const scope = { next: () => [ACTIVITY] } as unknown as ActivityScope;

function writer(consumer: string, claimIdleMs = 200, replicaAcks?: OrderWriterOptions['replicaAcks']) {
  return new OrderWriter(redis, keys, store, scope, log, { consumer, batchSize: 50, pollMs: 10, claimIdleMs, replicaAcks });
}

let seq = 0;
const appended = new Map<string, OrderRecord>();
async function append(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    seq++;
    // Times with milliseconds in them (pay_by's 123): the store must keep them.
    const record = orderRecord(ACTIVITY, seq, 1000 + seq, Date.now() - seq, Date.now() + 900_123);
    await redis.xadd(keys.orders(ACTIVITY), '*', 'o', JSON.stringify(record));
    appended.set(record.order_id, record);
    ids.push(record.order_id);
  }
  return ids;
}

async function storedIds(): Promise<string[]> {
  const [rows] = await mysql.query('SELECT order_id FROM orders ORDER BY seq');
  return (rows as { order_id: string }[]).map((r) => r.order_id);
}

beforeAll(async () => {
  redis = createRedis(iso.redisUrl);
  mysql = await createMysql(iso.mysqlUrl);
  await migrate(mysql, MIGRATIONS_DIR);
  store = new OrderStore(mysql);
});

afterAll(async () => {
  redis.disconnect();
  await mysql.end();
  await iso.cleanup();
});

describe('the order writer', () => {
  it('stores each entry once, acknowledges after the commit, and takes over what a dead writer left', async () => {
    const first = await append(30);
    // A writer that read its batch and died before storing it: its entries stay pending.
    await redis.xgroup('CREATE', keys.orders(ACTIVITY), WRITERS_GROUP, '0', 'MKSTREAM');
    await redis.xreadgroup('GROUP', WRITERS_GROUP, 'dead-writer', 'COUNT', 10, 'STREAMS', keys.orders(ACTIVITY), '>');
    expect((await redis.xpending(keys.orders(ACTIVITY), WRITERS_GROUP))[0]).toBe(10);

    const live = writer('live-writer');
    await live.round([ACTIVITY]);
    expect(await storedIds()).toEqual(first.slice(10));
    await new Promise((r) => setTimeout(r, 250));
    await live.round([ACTIVITY]);
    expect(await storedIds()).toEqual(first);
    expect((await redis.xpending(keys.orders(ACTIVITY), WRITERS_GROUP))[0]).toBe(0);

    // Replayed entries (a writer that stored and died before acknowledging) change nothing.
    await store.insert((await redis.xrange(keys.orders(ACTIVITY), '-', '+')).map(([, f]) => JSON.parse(f[1]!)));
    expect(await storedIds()).toEqual(first);
  });

  it('finds its own unacknowledged entries when it starts again under its name, and trims only what was acknowledged', async () => {
    const more = await append(5);
    await redis.xreadgroup('GROUP', WRITERS_GROUP, 'restarted', 'COUNT', 5, 'STREAMS', keys.orders(ACTIVITY), '>');
    const unacked = await append(3);
    const again = writer('restarted', 60_000);
    await again.round([ACTIVITY]);
    expect((await storedIds()).slice(-5)).toEqual(more);
    // Trimmed below the oldest entry not acknowledged: the three never delivered stay.
    expect((await redis.xrange(keys.orders(ACTIVITY), '-', '+')).map(([, f]) => JSON.parse(f[1]!).order_id)).toEqual(unacked);
    await again.round([ACTIVITY]);
    expect((await storedIds()).slice(-3)).toEqual(unacked);
    // Once every entry is acknowledged, the next trim (here a fresh writer's first round) drops them all.
    await writer('another').round([ACTIVITY]);
    expect(await redis.xlen(keys.orders(ACTIVITY))).toBe(0);
  });

  it('stores every field of a record as the qualification step made it, times to the millisecond', async () => {
    const [id] = await append(1);
    await writer('fields').round([ACTIVITY]);
    const record = appended.get(id!)!;
    const order = await store.get(id!);
    expect(order).toMatchObject({
      order_id: record.order_id,
      activity_id: record.activity_id,
      seq: record.seq,
      user_id: record.user_id,
      product_id: record.product_id,
      nonce: record.nonce,
      token: record.token,
      status: 'unpaid',
    });
    expect(order!.created_at.getTime()).toBe(record.token_time);
    expect(order!.pay_by.getTime()).toBe(record.pay_by);
    // Payment windows are compared with MySQL's NOW(): the sessions' clock is UTC like the times stored, whatever the server's zone.
    const [[zone]] = (await mysql.query('SELECT @@session.time_zone AS tz')) as unknown as [[{ tz: string }]];
    expect(zone.tz).toBe('+00:00');
  });

  it('stores only what the replicas hold: the rest stays pending, and is stored once they hold it', async () => {
    const ids = await append(4);
    let onReplicas = false;
    const waiting = writer('replicated', 200, { confirm: async () => onReplicas });
    expect(await waiting.round([ACTIVITY])).toBe(0);
    expect(await storedIds()).not.toContain(ids[0]);
    expect((await redis.xpending(keys.orders(ACTIVITY), WRITERS_GROUP))[0]).toBe(4);
    onReplicas = true;
    await new Promise((r) => setTimeout(r, 250));
    expect(await waiting.round([ACTIVITY])).toBe(4);
    expect((await storedIds()).slice(-4)).toEqual(ids);
    expect((await redis.xpending(keys.orders(ACTIVITY), WRITERS_GROUP))[0]).toBe(0);
  });
});
