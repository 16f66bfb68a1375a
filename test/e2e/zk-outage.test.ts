import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateZooKeeper, Suite, freePort, isolate, type Shopper } from '@sk/test-support';

const iso = isolate('e2e_zk_outage');
let zk: PrivateZooKeeper;
let suite: Suite;

beforeAll(async () => {
  zk = await PrivateZooKeeper.start(await freePort());
  suite = await Suite.start(iso, { env: { ZK_HOSTS: zk.hosts } });
});

afterAll(async () => {
  await suite?.stop();
  await zk?.dispose();
  await iso.cleanup();
});

describe('a ZooKeeper outage', () => {
  it('keeps the suite selling, takes new activities as pending and puts them on sale once ZooKeeper is back', async () => {
    const [shopper] = (await suite.shoppers(1, 'zk')) as [Shopper];
    const running = await suite.sale({ total: 10, buy_limit: 5 });
    await suite.until(running.productId, 'on_sale');
    // A purchase proves sk-core holds the running sale too, before ZooKeeper goes.
    expect((await suite.kill(shopper, running.productId)).body.code).toBe(1002);
    const product = await suite.admin('POST', '/admin/products', { name: 'made during the outage' });
    const productId = Number(product.body.result!.product_id);

    await zk.stop();

    // MySQL takes the write; the answer says ZooKeeper does not hold it yet.
    const now = Math.floor(Date.now() / 1000);
    const created = await suite.admin('POST', '/admin/activities', {
      name: 'outage sale',
      product_id: productId,
      start_time: now - 60,
      end_time: now + 3600,
      total: 5,
      buy_limit: 1,
    });
    expect([created.status, created.body.code, created.body.result?.mirror]).toEqual([201, 0, 'pending']);
    const activityId = Number(created.body.result!.activity_id);

    // Every service still answers from what it holds: the running sale sells, the new one is unknown.
    expect((await suite.kill(shopper, running.productId)).body.code).toBe(1002);
    expect((await suite.call('GET', `/sec/info?product_id=${productId}`)).status).toBe(404);
    expect((await suite.admin('GET', `/admin/activities/${activityId}`)).body.result?.mirror).toBe('pending');

    await zk.restart();
    const restarted = Date.now();

    await suite.until(productId, 'on_sale', 10_000);
    // On sale means sellable: sk-core may learn of the activity a moment after sk-app (1003 meanwhile).
    let code = (await suite.kill(shopper, productId)).body.code;
    while (code === 1003 && Date.now() - restarted < 10_000) {
      await new Promise((r) => setTimeout(r, 50));
      code = (await suite.kill(shopper, productId)).body.code;
    }
    expect(code).toBe(1002);
    expect(Date.now() - restarted).toBeLessThanOrEqual(10_000);
    const after = await suite.admin('GET', `/admin/activities/${activityId}`);
    expect(after.body.result).toMatchObject({ mirror: 'done', sold: 1 });
    for (const service of suite.services) expect([service.name, service.child.exitCode]).toEqual([service.name, null]);
  });

  it('shows operators the answers sk-app gave per activity', async () => {
    const [shopper] = (await suite.shoppers(1, 'count')) as [Shopper];
    const { productId, activityId } = await suite.sale({ total: 5, buy_limit: 1 });
    await suite.until(productId, 'on_sale');
    expect((await suite.kill(shopper, productId)).body.code).toBe(1002);
    expect((await suite.kill(shopper, productId)).body.code).toBe(1006);
    const forged = { ...suite.killBody(shopper, productId), sign: 'ab'.repeat(32) };
    expect((await suite.call('POST', '/sec/kill', forged, shopper.accessToken)).body.code).toBe(1110);
    const deadline = Date.now() + 5_000;
    let seen = await suite.admin('GET', `/admin/activities/${activityId}`);
    while (seen.body.result?.requests !== 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await suite.admin('GET', `/admin/activities/${activityId}`);
    }
    expect(seen.body.result).toMatchObject({ sold: 1, remaining: 4, requests: 3, answers: { '1002': 1, '1006': 1, '1110': 1 } });
  });
});
