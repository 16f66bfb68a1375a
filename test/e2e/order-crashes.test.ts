import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateRedis, Suite, freePort, isolate, pooled, type Answer } from '@sk/test-support';
import { OUTAGE, expectEveryWinAnOrder, expectStored, ordersOf, persistentBuyer } from './order-checks.js';

const iso = isolate('e2e_order_crashes');
let redis: PrivateRedis;
let suite: Suite;

beforeAll(async () => {
  redis = await PrivateRedis.start(await freePort());
  suite = await Suite.start(iso, { env: { REDIS_URL: redis.url, RATE_LIMITS: 'off' } });
});

afterAll(async () => {
  await suite?.stop();
  await redis?.dispose();
  await iso.cleanup();
});

async function restart(name: string): Promise<void> {
  const instance = suite.instances(name)[0]!;
  await instance.stop('SIGKILL');
  suite.services.splice(suite.services.indexOf(instance), 1);
  await sleep(300);
  await suite.add(name);
}

describe('orders across crashes', () => {
  it('keeps every win an order, exactly once, across a SIGKILL of the writer, of sk-core and of Redis mid-sale', async () => {
    const shoppers = await suite.shoppers(150, 'crash');
    // A low buy rate keeps the crowd retrying (1005) for several seconds: the crashes land mid-sale.
    const { productId, activityId } = await suite.sale({ total: 100, buy_limit: 1, buy_rate: 0.1 });
    await suite.until(productId, 'on_sale');

    const crowd = pooled(
      shoppers.map((s) => () => persistentBuyer(suite, s, productId)),
      20,
    );
    await sleep(300);
    await restart('sk-order');
    await restart('sk-core');
    await redis.stop();
    await sleep(500);
    await redis.restart();
    const buyers = await crowd;
    const codes = buyers.flatMap((b) => b.answers.map((a) => a.answer.body.code));
    // The outages were felt by the crowd: they happened mid-sale.
    expect(codes.filter((c) => OUTAGE.has(c)).length).toBeGreaterThan(0);

    // 150 shoppers kept at it until the 100 in stock were sold, each exactly once.
    await expectEveryWinAnOrder(suite, { productId, activityId, total: 100 }, buyers);
    for (const service of suite.services) expect([service.name, service.child.exitCode]).toEqual([service.name, null]);
  });

  it("loses nothing when Redis loses its data after a sell-out: no unit sold twice, every winner's qualification and order back, also after a full restart", async () => {
    const shoppers = await suite.shoppers(40, 'lost');
    const { productId, activityId } = await suite.sale({ total: 20, buy_limit: 1 });
    await suite.until(productId, 'on_sale');
    const first = await pooled(
      shoppers.slice(0, 25).map((s) => () => suite.kill(s, productId)),
      25,
    );
    const winners = shoppers.slice(0, 25).filter((_, i) => first[i]!.body.code === 1002);
    expect(winners).toHaveLength(20);
    const ids = first.filter((a) => a.body.code === 1002).map((a) => String(a.body.result!.order_id));
    await expectStored(suite, activityId, 20, 2_000);
    // One paid, one cancelled (its unit sold again to a newcomer): only held orders count.
    expect((await suite.call('POST', `/orders/${ids[0]}/pay`, undefined, winners[0]!.accessToken)).status).toBe(200);
    expect((await suite.call('POST', `/orders/${ids[1]}/cancel`, undefined, winners[1]!.accessToken)).status).toBe(200);
    await suite.until(productId, 'on_sale');
    const late = shoppers[30]!;
    // The gateway may answer 1004 from what it remembers a little longer than sk-app (within 2 s).
    let resold: Answer | undefined;
    await expect.poll(async () => (resold = await suite.kill(late, productId)).body.code, { timeout: 2_000, interval: 100 }).toBe(1002);
    const holders = [...winners.slice(0, 1), ...winners.slice(2), late];
    const held = [ids[0]!, ...ids.slice(2), String(resold!.body.result!.order_id)];
    await expectStored(suite, activityId, 20, 2_000);

    const expectNothingSoldTwice = async () => {
      // Nothing sells until the counts are rebuilt from MySQL (503/1001, or 1004 from what an instance still remembers).
      const rebuilt = async () => (await suite.admin('GET', `/admin/activities/${activityId}/reconciliation`)).body.result;
      await expect.poll(rebuilt, { timeout: 10_000, interval: 100 }).toEqual({ sold: 20, held: 20, drift: 0 });
      expect((await suite.kill(shoppers[35]!, productId)).body.code).toBe(1004);
      const newcomers = await pooled(
        shoppers.slice(36).map((s) => () => suite.kill(s, productId)),
        4,
      );
      expect(newcomers.map((a) => a.body.code)).toEqual(Array(4).fill(1004));
      for (const [i, shopper] of holders.entries()) {
        const result = await suite.call('GET', `/sec/result?product_id=${productId}`, undefined, shopper.accessToken);
        expect([result.status, result.body.result?.order_id]).toEqual([200, held[i]]);
      }
      const orders = (await ordersOf(suite, holders)).filter((o) => o.activity_id === activityId);
      expect(orders.map((o) => o.order_id).sort()).toEqual([...held].sort());
      expect(await rebuilt()).toEqual({ sold: 20, held: 20, drift: 0 });
    };

    await redis.restartEmpty();
    await expectNothingSoldTwice();

    // Everything down and up again, as `./sk down; ./sk up -d` would: nothing held in memory survives.
    await suite.stop();
    await redis.restartEmpty();
    suite = await Suite.start(iso, { env: { REDIS_URL: redis.url, RATE_LIMITS: 'off' } });
    await expectNothingSoldTwice();
  });
});
