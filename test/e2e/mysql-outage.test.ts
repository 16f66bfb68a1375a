import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Suite, TcpRelay, isolate, type Shopper } from '@sk/test-support';

// auth and sk-admin reach MySQL through a relay the test cuts and restores: the shared server stays up.
const iso = isolate('e2e_mysql_outage');
const relay = TcpRelay.toMysql(iso.mysqlUrl);
let suite: Suite;

beforeAll(async () => {
  await relay.open();
  suite = await Suite.start(iso, { env: { MYSQL_URL: relay.through(iso.mysqlUrl) } });
});

afterAll(async () => {
  await suite?.stop();
  await relay.cut();
  await iso.cleanup();
});

describe('a MySQL outage', () => {
  it('keeps the sale selling, answers logins and operators 503/1001, never 500, and serves them again once MySQL is back', async () => {
    const [first, second, third] = (await suite.shoppers(3, 'db')) as [Shopper, Shopper, Shopper];
    const { productId, activityId } = await suite.sale({ total: 10, buy_limit: 1 });
    await suite.until(productId, 'on_sale');
    expect((await suite.kill(first, productId)).body.code).toBe(1002);

    await relay.cut();
    // The sale lives in Redis and in memory: it goes on.
    expect((await suite.kill(second, productId)).body.code).toBe(1002);
    expect((await suite.call('GET', `/sec/info?product_id=${productId}`)).status).toBe(200);
    // What needs MySQL says so.
    const login = await suite.call('POST', '/oauth/token', { grant_type: 'password', username: 'admin', password: 'admin123' });
    expect([login.status, login.body.code]).toEqual([503, 1001]);
    // An operator's dashboard keeps asking meanwhile. sk-admin's 503s count against it in the
    // gateway's breaker (5xx count, by the gateway's rule), which opens after enough of them: 1111.
    const asked = [];
    for (let i = 0; i < 30; i++) asked.push(await suite.admin('GET', `/admin/activities/${activityId}`));
    expect(asked[0]!.body.code).toBe(1001);
    for (const answer of asked)
      expect([
        [503, 1001],
        [503, 1111],
      ]).toContainEqual([answer.status, answer.body.code]);

    await relay.open();
    // Within 10 s: the breaker, if open, lets a probe through after its reset timeout (5 s).
    const restored = Date.now();
    let seen = await suite.admin('GET', `/admin/activities/${activityId}`);
    while (seen.status !== 200 && Date.now() - restored < 10_000) {
      expect(seen.status).not.toBe(500);
      await new Promise((r) => setTimeout(r, 200));
      seen = await suite.admin('GET', `/admin/activities/${activityId}`);
    }
    expect(seen.body.result).toMatchObject({ sold: 2, remaining: 8 });
    expect((await suite.login('admin', 'admin123')).accessToken).toBeTruthy();
    expect((await suite.kill(third, productId)).body.code).toBe(1002);
    for (const service of suite.services) expect([service.name, service.child.exitCode]).toEqual([service.name, null]);
  });
});
