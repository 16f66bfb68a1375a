import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Suite, isolate, type Answer, type Shopper } from '@sk/test-support';

const iso = isolate('e2e_admin');
let suite: Suite;

// Automatic bans kick in early and expire fast here, so one test can see both.
const AUTO_BAN = { AUTO_BAN_MAX_REQUESTS: '20', AUTO_BAN_WINDOW_MS: '10000', AUTO_BAN_DURATION_MS: '3000' };

beforeAll(async () => {
  suite = await Suite.start(iso, { skApp: 2, env: AUTO_BAN });
});

afterAll(async () => {
  await suite?.stop();
  await iso.cleanup();
});

/** Polls `attempt` until `done` holds of its answer: every change must show within 2 s. */
async function within(ms: number, attempt: () => Promise<Answer>, done: (a: Answer) => boolean): Promise<Answer> {
  const deadline = Date.now() + ms;
  for (;;) {
    const answer = await attempt();
    if (done(answer)) return answer;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${JSON.stringify(answer)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A signed attempt sent to one sk-app instance directly, sealed as the gateway would, bypassing its balancing. */
async function killAt(url: string, shopper: Shopper, productId: number, sealed = true): Promise<Answer> {
  const res = await fetch(`${url}/sec/kill`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${shopper.accessToken}`,
      ...(sealed ? suite.sealedAs('POST', '/sec/kill') : {}),
    },
    body: JSON.stringify(suite.killBody(shopper, productId)),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Answer['body'] };
}

describe('activity lifecycle, live within 2 s', () => {
  it('disables and enables, moves the end, grows the stock and never shrinks it', async () => {
    const [a, b, c] = (await suite.shoppers(3, 'life')) as [Shopper, Shopper, Shopper];
    const { productId, activityId } = await suite.sale({ total: 1, buy_limit: 1 });
    await suite.until(productId, 'on_sale');

    expect((await suite.admin('PATCH', `/admin/activities/${activityId}`, { status: 'disabled' })).status).toBe(200);
    const disabled = await within(
      2_000,
      () => suite.kill(a, productId),
      (r) => r.body.code === 1107,
    );
    expect(disabled.status).toBe(403);
    await suite.admin('PATCH', `/admin/activities/${activityId}`, { status: 'enabled' });
    await within(
      2_000,
      () => suite.kill(a, productId),
      (r) => r.body.code === 1002,
    );
    expect((await suite.kill(b, productId)).body.code).toBe(1004);

    const shrink = await suite.admin('PATCH', `/admin/activities/${activityId}`, { total: 0 });
    expect([shrink.status, shrink.body.code, shrink.body.errors]).toEqual([400, 1101, [expect.objectContaining({ field: 'total' })]]);
    await suite.admin('PATCH', `/admin/activities/${activityId}`, { total: 2 });
    await within(
      2_000,
      () => suite.kill(b, productId),
      (r) => r.body.code === 1002,
    );
    const detail = await suite.admin('GET', `/admin/activities/${activityId}`);
    expect(detail.body.result).toMatchObject({ total: 2, sold: 2, remaining: 0 });

    await suite.admin('PATCH', `/admin/activities/${activityId}`, { total: 3, end_time: Math.floor(Date.now() / 1000) - 1 });
    const ended = await within(
      2_000,
      () => suite.kill(c, productId),
      (r) => r.body.code === 1106,
    );
    expect(ended.status).toBe(410);
  });
});

describe('only the gateway is a public door', () => {
  it('refuses a kill sent to sk-app directly, even signed and with a valid token, unless the gateway sealed it', async () => {
    const [shopper] = (await suite.shoppers(1, 'door')) as [Shopper];
    const { productId } = await suite.sale({ total: 10, buy_limit: 10 });
    await suite.until(productId, 'on_sale');
    const [app] = suite.instances('sk-app').map((s) => s.url) as [string];
    const direct = await killAt(app, shopper, productId, false);
    expect([direct.status, direct.body.code]).toEqual([403, 1112]);
    const stale = await fetch(`${app}/sec/list`, { headers: { 'x-sk-gateway': `${Date.now() - 60_000}.AAAA` } });
    expect(stale.status).toBe(403);
    // Scrapers keep their way in.
    for (const path of ['/health', '/metrics']) expect((await fetch(`${app}${path}`)).status).toBe(200);
    expect((await killAt(app, shopper, productId)).body.code).toBe(1002);
    expect((await suite.kill(shopper, productId)).body.code).toBe(1002);
  });
});

describe('blacklists', () => {
  it('bans a user on every sk-app within 2 s, and lifts the ban', async () => {
    const [banned, other] = (await suite.shoppers(2, 'bl')) as [Shopper, Shopper];
    const { productId } = await suite.sale({ total: 100, buy_limit: 100 });
    await suite.until(productId, 'on_sale');
    const apps = suite.instances('sk-app').map((s) => s.url);
    expect(apps).toHaveLength(2);

    expect((await suite.admin('PUT', `/admin/blacklist/users/${banned.userId}`, { reason: 'brushing' })).status).toBe(200);
    for (const url of apps) {
      const refused = await within(
        2_000,
        () => killAt(url, banned, productId),
        (r) => r.body.code === 1109,
      );
      expect(refused.status).toBe(403);
      expect((await killAt(url, other, productId)).body.code).toBe(1002);
    }
    const listed = await suite.admin('GET', '/admin/blacklist');
    expect(listed.body.result).toMatchObject({ users: [expect.objectContaining({ value: String(banned.userId), reason: 'brushing' })] });

    expect((await suite.admin('DELETE', `/admin/blacklist/users/${banned.userId}`)).status).toBe(200);
    for (const url of apps)
      await within(
        2_000,
        () => killAt(url, banned, productId),
        (r) => r.body.code === 1002,
      );
  });

  it('bans an IP, here every shopper behind the gateway, and lifts it', async () => {
    const [shopper] = (await suite.shoppers(1, 'ip')) as [Shopper];
    const { productId } = await suite.sale({ total: 10, buy_limit: 10 });
    await suite.until(productId, 'on_sale');
    await suite.admin('PUT', '/admin/blacklist/ips/127.0.0.1', {});
    await within(
      2_000,
      () => suite.kill(shopper, productId),
      (r) => r.body.code === 1109,
    );
    await suite.admin('DELETE', '/admin/blacklist/ips/127.0.0.1');
    await within(
      2_000,
      () => suite.kill(shopper, productId),
      (r) => r.body.code === 1002,
    );
  });

  it('deletes a user: their tokens stop at the gateway within 2 s, their refresh token and password are refused, and it is audited', async () => {
    const username = `gone_${iso.name}`.slice(0, 64);
    await suite.admin('POST', '/admin/users', { users: [{ username, password: 'pass123' }] });
    const signIn = await suite.call('POST', '/oauth/token', { grant_type: 'password', username, password: 'pass123' });
    const gone = {
      userId: Number(signIn.body.user_id),
      accessToken: String(signIn.body.access_token),
      signKey: String(signIn.body.sign_key),
    };
    const { productId } = await suite.sale({ total: 10, buy_limit: 10 });
    await suite.until(productId, 'on_sale');
    expect((await suite.kill(gone, productId)).body.code).toBe(1002);

    const deleted = await suite.admin('DELETE', `/admin/users/${gone.userId}`);
    expect([deleted.status, deleted.body.result]).toEqual([200, { user_id: gone.userId, username, mirror: 'done' }]);
    const refused = await within(
      2_000,
      () => suite.call('GET', '/orders', undefined, gone.accessToken),
      (r) => r.body.code === 1109,
    );
    expect(refused.status).toBe(403);
    expect((await suite.kill(gone, productId)).body.code).toBe(1109);
    const refresh = await suite.call('POST', '/oauth/token', { grant_type: 'refresh_token', refresh_token: signIn.body.refresh_token });
    expect(refresh.status).toBe(401);
    expect((await suite.call('POST', '/oauth/token', { grant_type: 'password', username, password: 'pass123' })).status).toBe(401);

    const listed = await suite.admin('GET', '/admin/blacklist');
    expect(listed.body.result).toMatchObject({
      users: expect.arrayContaining([expect.objectContaining({ value: String(gone.userId), reason: 'user deleted' })]),
    });
    const audit = await suite.admin('GET', '/admin/audit?limit=5');
    expect(JSON.stringify(audit.body.result)).toContain(`"target":"user:${gone.userId}"`);
    const again = await suite.admin('DELETE', `/admin/users/${gone.userId}`);
    expect([again.status, again.body.code]).toEqual([404, 1003]);
    const bad = await suite.admin('DELETE', '/admin/users/x1');
    expect([bad.status, bad.body.code]).toEqual([400, 1101]);
  });

  it('bans a user automatically above the request threshold, lists it, and lets it expire', async () => {
    const [brusher] = (await suite.shoppers(1, 'brush')) as [Shopper];
    const { productId } = await suite.sale({ total: 100, buy_limit: 1 });
    await suite.until(productId, 'on_sale');
    for (let i = 0; i < 25; i++) await suite.kill(brusher, productId);
    await within(
      2_000,
      () => suite.kill(brusher, productId),
      (r) => r.body.code === 1109,
    );
    const listed = await suite.admin('GET', '/admin/blacklist');
    const entry = (listed.body.result as { users: Array<Record<string, unknown>> }).users.find((u) => u.value === String(brusher.userId));
    expect(entry).toMatchObject({ source: 'auto', reason: expect.any(String), expires_at: expect.any(String) });
    // Three seconds later the ban is gone by itself: the user is back to ordinary refusals.
    await within(
      6_000,
      () => suite.kill(brusher, productId),
      (r) => r.body.code === 1006,
    );
  });
});

describe('what happened', () => {
  it('lists winners as JSON and CSV, and audits every operator change', async () => {
    const buyers = await suite.shoppers(3, 'win');
    const { productId, activityId } = await suite.sale({ total: 2, buy_limit: 1 });
    await suite.until(productId, 'on_sale');
    const answers = await Promise.all(buyers.map((s) => suite.kill(s, productId)));
    const winnerIds = buyers.filter((_, i) => answers[i]!.body.code === 1002).map((s) => s.userId);
    expect(winnerIds).toHaveLength(2);

    const json = await suite.admin('GET', `/admin/activities/${activityId}/winners`);
    const listed = json.body.result as { count: number; winners: Array<{ user_id: number }> };
    expect(listed.count).toBe(2);
    expect(listed.winners.map((w) => w.user_id).sort()).toEqual(winnerIds.sort());
    const csv = await fetch(`${suite.gateway.url}/admin/activities/${activityId}/winners?format=csv`, {
      headers: { authorization: `Bearer ${(await suite.login('admin', 'admin123')).accessToken}` },
    });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines).toHaveLength(3);

    await suite.admin('PATCH', `/admin/activities/${activityId}`, { total: 3 });
    const audit = await suite.admin('GET', '/admin/audit?limit=50');
    const { entries } = audit.body.result as unknown as { entries: Array<Record<string, unknown>> };
    const patch = entries.find((e) => JSON.stringify(e).includes('"total":3'));
    expect(patch).toMatchObject({ actor: 'admin' });
    expect(JSON.stringify(patch)).toContain('"total":2');
  });
});

describe("reference routes on sk-admin's own port", () => {
  it("take the Go reference's request bodies, behind the same admin auth", async () => {
    const admin = suite.instances('sk-admin')[0]!.url;
    const token = (await suite.login('admin', 'admin123')).accessToken;
    const post = (path: string, body: unknown, auth = true) =>
      fetch(`${admin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    expect((await post('/product/create', { product_name: 'go phone', total: 100, status: 1 }, false)).status).toBe(401);
    const product = await post('/product/create', { product_name: 'go phone', total: 100, status: 1 });
    expect(product.status).toBe(201);
    const productId = ((await product.json()) as { result: { product_id: number } }).result.product_id;
    const now = Math.floor(Date.now() / 1000);
    const activity = await post('/activity/create', {
      activity_name: 'go sale',
      product_id: productId,
      start_time: now - 10,
      end_time: now + 3600,
      total: 5,
      status: 0,
      sec_speed: 1,
      buy_limit: 1,
      buy_rate: 1,
    });
    expect(activity.status).toBe(201);
    await suite.until(productId, 'on_sale', 2_000);
    const list = await fetch(`${admin}/activity/list`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
  });
});

describe('bad input on the admin API', () => {
  it('answers 4xx naming the field and writes nothing', async () => {
    const before = await suite.admin('GET', '/admin/activities');
    const { productId } = await suite.sale({ total: 1, buy_limit: 1 });
    const count = (before.body.result as unknown as unknown[]).length + 1;
    const bad: Array<[string, string, unknown, string]> = [
      ['POST', '/admin/products', { name: 'x'.repeat(500) }, 'name'],
      ['POST', '/admin/products', { name: 42 }, 'name'],
      ['POST', '/admin/activities', { name: 'a', product_id: productId, start_time: 10, end_time: 5, total: 1, buy_limit: 1 }, 'end_time'],
      ['POST', '/admin/activities', { name: 'a', product_id: productId, start_time: 1, end_time: 5, total: -3, buy_limit: 1 }, 'total'],
      ['POST', '/admin/activities', { name: 'a', product_id: 999999, start_time: 1, end_time: 5, total: 1, buy_limit: 1 }, 'product_id'],
      [
        'POST',
        '/admin/activities',
        { name: 'a', product_id: productId, start_time: 1, end_time: 5, total: 1, buy_limit: 1, buy_rate: 1.5 },
        'buy_rate',
      ],
      ['PATCH', '/admin/activities/abc', { status: 'enabled' }, 'id'],
      ['PATCH', `/admin/activities/${count}`, { status: 'maybe' }, 'status'],
      ['POST', '/admin/users', { users: [{ username: 'ok_name', password: '1' }] }, 'users.0.password'],
      ['PUT', '/admin/blacklist/ips/not-an-ip', {}, 'ip'],
      ['PUT', '/admin/blacklist/users/-4', {}, 'user_id'],
    ];
    for (const [method, path, body, field] of bad) {
      const res = await suite.admin(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body.code).toBe(1101);
      expect(JSON.stringify(res.body.errors), `${method} ${path}`).toContain(field);
    }
    expect((await suite.admin('GET', '/admin/activities/999999')).body.code).toBe(1003);
    const after = await suite.admin('GET', '/admin/activities');
    expect((after.body.result as unknown as unknown[]).length).toBe(count);
  });
});
