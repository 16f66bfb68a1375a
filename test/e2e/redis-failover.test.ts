import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster, Redis as NodeRedis } from 'ioredis';
import { redisKeys } from '@sk/seckill';
import { ReplicaAcks, createRedis } from '@sk/storage';
import { Suite, clusterNodePid, clusterReady, isolate, pooled, shardOf } from '@sk/test-support';
import { OUTAGE, expectEveryWinAnOrder, persistentBuyer } from './order-checks.js';

// A master of the local Redis Cluster (3 masters, a replica each, cluster-node-timeout 2 s) dies
// mid-sale; its replica takes over. Redis replicates asynchronously: without sk-core and sk-order
// waiting for the replica (WAIT), the wins and order entries of the master's last moments would
// vanish with it, and their units sell twice. The cluster is left as it was found.
const iso = isolate('e2e_failover', { redis: 'cluster' });
const keys = redisKeys(iso.redisPrefix);
const run = promisify(execFile);
let suite: Suite;
let cluster: Cluster;

beforeAll(async () => {
  // SK_FAILOVER_WAIT_REPLICAS=0 runs the sale without waiting for the replica, to see what it prevents.
  const waitReplicas = process.env.SK_FAILOVER_WAIT_REPLICAS;
  suite = await Suite.start(iso, { skCore: 2, env: { RATE_LIMITS: 'off', ...(waitReplicas && { REDIS_WAIT_REPLICAS: waitReplicas }) } });
  cluster = iso.redisCluster();
  await clusterReady(cluster);
});

afterAll(async () => {
  cluster?.disconnect();
  await suite?.stop();
  await iso.cleanup();
});

/** A connection of its own to one node of the cluster, `host:port`. */
function nodeClient(name: string): NodeRedis {
  const url = new URL(iso.redisUrl);
  url.host = name;
  return createRedis(url.href) as NodeRedis;
}

/** Brings a killed node back: scripts/infra.sh restarts what is not running and waits until every node says the cluster is ok. */
async function restartNodes(): Promise<void> {
  await run('bash', ['scripts/infra.sh', 'cluster'], { timeout: 60_000 });
}

/** Hands the master's role back to `name`, a replica now, as an operator would with CLUSTER FAILOVER once it has caught up. */
async function failBack(name: string): Promise<void> {
  const node = nodeClient(name);
  try {
    await expect
      .poll(async () => String(await node.info('replication')).includes('master_link_status:up'), { timeout: 30_000, interval: 200 })
      .toBe(true);
    await node.cluster('FAILOVER');
    await expect.poll(async () => ((await node.role()) as string[])[0], { timeout: 30_000, interval: 200 }).toBe('master');
  } finally {
    node.disconnect();
  }
}

describe('a Redis Cluster failover mid-sale', () => {
  it('confirms a write only once the replica holds it', async () => {
    const key = keys.sold(1);
    const replica = (await shardOf(cluster, key)).replica!;
    const writer = iso.redisCluster();
    try {
      const acks = new ReplicaAcks(writer, { replicas: 1, timeoutMs: 300 });
      await writer.incr(key);
      expect(await acks.confirm(key)).toBe(true);
      // A replica that stops acknowledging (stopped, not dead: it still counts as connected).
      process.kill(clusterNodePid(replica), 'SIGSTOP');
      try {
        await writer.incr(key);
        expect(await acks.confirm(key)).toBe(false);
      } finally {
        process.kill(clusterNodePid(replica), 'SIGCONT');
      }
      await expect.poll(() => acks.confirm(key), { timeout: 5_000 }).toBe(true);
    } finally {
      await writer.del(key);
      writer.disconnect();
    }
  });

  it("sells exactly the stock and loses no win when the activity's master is killed and its replica takes over", async () => {
    const shoppers = await suite.shoppers(150, 'failover');
    // A low buy rate keeps the crowd retrying (1005) for several seconds: the failover lands mid-sale.
    const { productId, activityId } = await suite.sale({ total: 100, buy_limit: 1, buy_rate: 0.1 });
    await suite.until(productId, 'on_sale');
    const { master, replica } = await shardOf(cluster, keys.sold(activityId));

    const crowd = pooled(
      shoppers.map((s) => () => persistentBuyer(suite, s, productId)),
      20,
    );
    await sleep(500);
    // The worst moment: the replica cut off from its master (its link killed while it is stopped,
    // so it cannot reconnect) for a second of the sale; then the master dies, and the replica,
    // back, is promoted without the master's last writes.
    const masterNode = nodeClient(master);
    process.kill(clusterNodePid(replica!), 'SIGSTOP');
    await masterNode.client('KILL', 'TYPE', 'replica');
    masterNode.disconnect();
    await sleep(1_000);
    process.kill(clusterNodePid(master), 'SIGKILL');
    process.kill(clusterNodePid(replica!), 'SIGCONT');
    try {
      // The replica is promoted once the other masters agree the master failed (node timeout 2 s).
      await expect
        .poll(async () => (await shardOf(cluster, keys.sold(activityId))).master, { timeout: 20_000, interval: 250 })
        .toBe(replica);
      // Until the old master is back as its replica, the new master's wins are answered 1108.
      await restartNodes();
      const buyers = await crowd;
      const codes = buyers.flatMap((b) => b.answers.map((a) => a.answer.body.code));
      // The failover was felt by the crowd: it happened mid-sale.
      expect(codes.filter((c) => OUTAGE.has(c)).length).toBeGreaterThan(0);
      await expectEveryWinAnOrder(suite, { productId, activityId, total: 100 }, buyers);
      for (const service of suite.services) expect([service.name, service.child.exitCode]).toEqual([service.name, null]);
    } finally {
      await restartNodes();
      await failBack(master);
    }
  });
});
