import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from 'ioredis';
import { redisKeys } from '@sk/seckill';
import { Suite, isolate, pooled, type Shopper } from '@sk/test-support';
import { crowdBuysExactlyTheStock } from './crowd.js';
import { expectStored, ordersOf } from './order-checks.js';

// The sale on the local Redis Cluster (3 masters, a replica each) that ./sk test starts.
const iso = isolate('e2e_cluster', { redis: 'cluster' });
const keys = redisKeys(iso.redisPrefix);
let suite: Suite;
let cluster: Cluster;

beforeAll(async () => {
  suite = await Suite.start(iso, { skCore: 3, skApp: 2 });
  cluster = iso.redisCluster();
});

afterAll(async () => {
  cluster?.disconnect();
  await suite?.stop();
  await iso.cleanup();
});

const slotOf = async (key: string) => Number(await cluster.cluster('KEYSLOT', key));

/** The master serving `slot` (host:port), as the cluster tells. */
async function masterOfSlot(slot: number): Promise<string> {
  const [, , master] = (await cluster.cluster('SLOTS')).find(([from, to]) => slot >= from && slot <= to)!;
  return `${master![0]}:${master![1]}`;
}

const masterOf = async (key: string) => masterOfSlot(await slotOf(key));

/**
 * Moves `slot` to another master as a resharding does (IMPORTING / MIGRATING, MIGRATE its keys a
 * few at a time, then the new owner announced to every master): clients meanwhile get ASK, then MOVED.
 */
async function moveSlot(slot: number): Promise<void> {
  const masters = await Promise.all(cluster.nodes('master').map(async (node) => ({ node, id: String(await node.cluster('MYID')) })));
  const owner = await masterOfSlot(slot);
  const source = masters.find((m) => `${m.node.options.host}:${m.node.options.port}` === owner)!;
  const target = masters.find((m) => m !== source)!;
  await target.node.cluster('SETSLOT', slot, 'IMPORTING', source.id);
  await source.node.cluster('SETSLOT', slot, 'MIGRATING', target.id);
  const { password } = new URL(iso.redisUrl);
  for (;;) {
    const keysInSlot = (await source.node.cluster('GETKEYSINSLOT', slot, 3)) as string[];
    if (keysInSlot.length === 0) break;
    await source.node.migrate(
      target.node.options.host!,
      target.node.options.port!,
      '',
      0,
      5_000,
      'AUTH',
      decodeURIComponent(password),
      'KEYS',
      ...keysInSlot,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (const m of [target, source, ...masters.filter((m) => m !== source && m !== target)])
    await m.node.cluster('SETSLOT', slot, 'NODE', target.id);
}

describe('a sale on a Redis Cluster, across 3 sk-core and 2 sk-app instances', () => {
  it('sells exactly the stock to the crowd', async () => {
    await crowdBuysExactlyTheStock(suite);
  });

  it('holds one shopper to the buy limit, and /sec/result keeps every qualification', async () => {
    const [shopper] = (await suite.shoppers(1, 'limit')) as [Shopper];
    const { productId } = await suite.sale({ total: 20, buy_limit: 3 });
    await suite.until(productId, 'on_sale');
    const answers = await Promise.all(Array.from({ length: 30 }, () => suite.kill(shopper, productId)));
    const won = answers.filter((a) => a.body.code === 1002);
    expect(won).toHaveLength(3);
    expect(answers.map((a) => a.body.code).filter((c) => c !== 1002 && c !== 1006 && c !== 1104)).toEqual([]);
    await expect
      .poll(
        async () => {
          const result = await suite.call('GET', `/sec/result?product_id=${productId}`, undefined, shopper.accessToken);
          // (429 until the hammer's rate budget refills)
          return ((result.body.results as { order_id: string }[] | undefined) ?? []).map((r) => r.order_id).sort();
        },
        { timeout: 5_000, interval: 500 },
      )
      .toEqual(won.map((a) => String(a.body.result!.order_id)).sort());
  });

  it('makes every 1002 an order, listed with its order_id', async () => {
    const shoppers = await suite.shoppers(60, 'orders');
    const { productId, activityId } = await suite.sale({ total: 40, buy_limit: 1 });
    await suite.until(productId, 'on_sale');
    const answers = await pooled(
      shoppers.map((s) => async () => ({ shopper: s, answer: await suite.kill(s, productId) })),
      60,
    );
    const wins = answers.filter((a) => a.answer.body.code === 1002);
    expect(wins).toHaveLength(40);
    await expectStored(suite, activityId, 40, 5_000);
    const listed = await ordersOf(
      suite,
      wins.map((w) => w.shopper),
    );
    expect(listed.map((o) => o.order_id).sort()).toEqual(wins.map((w) => String(w.answer.body.result!.order_id)).sort());
    const reconciliation = await suite.admin('GET', `/admin/activities/${activityId}/reconciliation`);
    expect(reconciliation.body.result).toMatchObject({ sold: 40, held: 40, drift: 0 });
  });

  it('follows an activity moved to another master in the middle of its sale: exact stock, every win an order, no 5xx but 503', async () => {
    const shoppers = await suite.shoppers(120, 'moved');
    const { productId, activityId } = await suite.sale({ total: 60, buy_limit: 1 });
    await suite.until(productId, 'on_sale');
    const slot = await slotOf(keys.sold(activityId));
    const before = await masterOfSlot(slot);
    const kill = (s: Shopper) => async () => ({ shopper: s, answer: await suite.kill(s, productId) });
    const during = pooled(shoppers.slice(0, 60).map(kill), 2);
    await moveSlot(slot);
    const answers = [...(await during), ...(await pooled(shoppers.slice(60).map(kill), 5))];
    expect(await masterOfSlot(slot)).not.toBe(before);

    expect(answers.filter((a) => a.answer.status >= 500 && a.answer.status !== 503 && a.answer.status !== 504)).toEqual([]);
    // An attempt whose outcome was not known (1108) is asked again: /sec/result tells.
    const unknown = answers.filter((a) => a.answer.body.code === 1108 || a.answer.body.code === 1001);
    const resolved = await Promise.all(
      unknown.map(
        async (a) => (await suite.call('GET', `/sec/result?product_id=${productId}`, undefined, a.shopper.accessToken)).body.code === 1002,
      ),
    );
    const wins = answers.filter((a) => a.answer.body.code === 1002).length + resolved.filter(Boolean).length;
    expect(wins).toBe(60);
    await expectStored(suite, activityId, 60, 5_000);
    const reconciliation = await suite.admin('GET', `/admin/activities/${activityId}/reconciliation`);
    expect(reconciliation.body.result).toMatchObject({ sold: 60, held: 60, drift: 0 });
  });

  it("spreads one sale's attempts over relay lists on every master", async () => {
    const lists = keys.relayLists(8); // RELAY_SHARDS unset on a cluster
    expect(new Set(await Promise.all(lists.map(masterOf))).size).toBe(3);
    const shoppers = await suite.shoppers(40, 'spread');
    const { productId } = await suite.sale({ total: 100, buy_limit: 1 });
    await suite.until(productId, 'on_sale');
    // With no sk-core running, what sk-app queues stays in the lists to be counted (a paused one
    // would still take what its blocked pops were waiting for).
    const cores = suite.instances('sk-core');
    await Promise.all(cores.map((core) => core.stop()));
    // A few ms apart: each reaches sk-app in a turn of its own, so each is a push of its own (a
    // push takes what one turn gathered, and successive pushes take successive lists).
    const answered = Promise.all(shoppers.map((s, i) => new Promise((r) => setTimeout(r, 15 * i)).then(() => suite.kill(s, productId))));
    const total = async () => (await Promise.all(lists.map((list) => cluster.llen(list)))).reduce((a, b) => a + b, 0);
    await expect.poll(total, { timeout: 5_000 }).toBe(40);
    const filled = await Promise.all(lists.map(async (list) => ((await cluster.llen(list)) > 0 ? masterOf(list) : null)));
    expect(new Set(filled.filter(Boolean)).size).toBe(3);
    // Nobody decided them: each waited its time and ended in 1108, to be asked again.
    expect((await answered).map((a) => a.body.code)).toEqual(shoppers.map(() => 1108));
    for (const _ of cores) await suite.add('sk-core');
    await expect.poll(total, { timeout: 10_000 }).toBe(0);
  });

  it("keeps each activity's keys in one slot, and spreads activities over the masters", async () => {
    const activities = await Promise.all(Array.from({ length: 6 }, () => suite.sale({ total: 1, buy_limit: 1 })));
    for (const { activityId } of activities) {
      const perKey = [keys.sold, keys.bought, keys.wins, keys.quals, keys.orders, keys.deadlines, keys.seq, keys.loaded, keys.answers];
      const slots = await Promise.all([...perKey.map((k) => k(activityId)), keys.nonce(activityId, 1, 'n')].map(slotOf));
      expect(new Set(slots).size).toBe(1);
    }
    const masters = new Set(await Promise.all(activities.map(({ activityId }) => masterOf(keys.sold(activityId)))));
    expect(masters.size).toBeGreaterThan(1);
  });
});
