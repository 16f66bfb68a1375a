import { createLogger } from '@sk/http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Cluster } from 'ioredis';
import { OrderStore } from '@sk/orders';
import { redisKeys } from '@sk/seckill';
import { MIGRATIONS_DIR, ReplicaAcks, createMysql, migrate, type Pool } from '@sk/storage';
import { clusterNodePid, clusterReady, isolate, orderRecord, shardOf } from '@sk/test-support';
import type { ActivityScope } from '../src/activity-scope.js';
import { OrderWriter } from '../src/order-writer.js';
import { WRITERS_GROUP } from '../src/stream-group.js';

// The order writer against the local Redis Cluster's replicas: what it stores must be on the
// activity's replica too, or a failover could take back the entries of orders already in MySQL.
const iso = isolate('order_writer_replicas', { redis: 'cluster' });
const keys = redisKeys(iso.redisPrefix);
const ACTIVITY = 7;
const stream = keys.orders(ACTIVITY);
let cluster: Cluster;
let mysql: Pool;
let store: OrderStore;

beforeAll(async () => {
  cluster = iso.redisCluster();
  await clusterReady(cluster);
  mysql = await createMysql(iso.mysqlUrl);
  await migrate(mysql, MIGRATIONS_DIR);
  store = new OrderStore(mysql);
});

afterAll(async () => {
  cluster.disconnect();
  await mysql.end();
  await iso.cleanup();
});

async function storedIds(): Promise<string[]> {
  const [rows] = await mysql.query('SELECT order_id FROM orders ORDER BY seq');
  return (rows as { order_id: string }[]).map((r) => r.order_id);
}

it('a writer started again under its name stores the entries its earlier life left pending only once the replica holds them', async () => {
  const replica = clusterNodePid((await shardOf(cluster, stream)).replica!);
  await cluster.xgroup('CREATE', stream, WRITERS_GROUP, '0', 'MKSTREAM');
  const records = [1, 2, 3].map((seq) => orderRecord(ACTIVITY, seq, 500 + seq));
  // The replica stops acknowledging (stopped, not cut off: its master still counts it connected).
  process.kill(replica, 'SIGSTOP');
  let restarted: Cluster | undefined;
  try {
    for (const r of records) await cluster.xadd(stream, '*', 'o', JSON.stringify(r));
    // The writer's earlier life read them, then died before storing them.
    await cluster.xreadgroup('GROUP', WRITERS_GROUP, 'writer-1', 'COUNT', 10, 'STREAMS', stream, '>');
    // Its new life, on connections of its own that have written nothing: what it confirms is what the
    // master held when it last read (WAIT's offset is the connection's last command's, read or write).
    restarted = iso.redisCluster();
    await clusterReady(restarted);
    const writer = new OrderWriter(
      restarted,
      keys,
      store,
      { next: () => [ACTIVITY] } as unknown as ActivityScope,
      createLogger('test', 'silent'),
      {
        consumer: 'writer-1',
        batchSize: 50,
        pollMs: 10,
        claimIdleMs: 200,
        replicaAcks: new ReplicaAcks(restarted, { replicas: 1, timeoutMs: 300 }),
      },
    );
    expect(await writer.round([ACTIVITY])).toBe(0);
    expect(await storedIds()).toEqual([]);
    process.kill(replica, 'SIGCONT');
    await expect
      .poll(async () => (await writer.round([ACTIVITY]), storedIds()), { timeout: 10_000, interval: 250 })
      .toEqual(records.map((r) => r.order_id));
    expect((await cluster.xpending(stream, WRITERS_GROUP))[0]).toBe(0);
  } finally {
    process.kill(replica, 'SIGCONT');
    restarted?.disconnect();
  }
});
