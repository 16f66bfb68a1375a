import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Suite, freePort, isolate, type Shopper } from '@sk/test-support';

const iso = isolate('e2e_logs');
let suite: Suite;

beforeAll(async () => {
  // Request lines as by default (at info), and traces sent to a collector that is not there: requests must not notice.
  suite = await Suite.start(iso, { env: { LOG_LEVEL: 'info', ZIPKIN_URL: `http://127.0.0.1:${await freePort()}` } });
});

afterAll(async () => {
  await suite?.stop();
  await iso.cleanup();
});

/** Every JSON line the services wrote. */
function logLines(): Record<string, unknown>[] {
  return suite.services.flatMap((s) =>
    s
      .output()
      .split('\n')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
  );
}

describe('logs', () => {
  it('write one line per answer with trace id, route, status, code and duration', async () => {
    const [shopper] = (await suite.shoppers(1, 'logged')) as [Shopper];
    const { productId } = await suite.sale({ total: 5, buy_limit: 1 });
    await suite.until(productId, 'on_sale');
    expect((await suite.kill(shopper, productId)).body.code).toBe(1002);
    // Lines are written in blocks, at least every second.
    const deadline = Date.now() + 5_000;
    let gateway: Record<string, unknown> | undefined;
    let app: Record<string, unknown> | undefined;
    while ((!gateway || !app) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      const answered = logLines().filter((l) => l.msg === 'answered' && l.code === 1002);
      gateway = answered.find((l) => l.name === 'gateway' && l.route === '/sec/*');
      app = answered.find((l) => l.name === 'sk-app' && l.route === '/sec/kill');
    }
    expect(gateway).toMatchObject({ method: 'POST', status: 200, level: 30 });
    expect(app).toMatchObject({ method: 'POST', status: 200 });
    expect(typeof gateway!.ms).toBe('number');
    expect(gateway!.trace_id).toMatch(/^[0-9a-f]{16,32}$/);
    expect(app!.trace_id).toBe(gateway!.trace_id);
  });

  it('never contain a password, an access or refresh token or a sign_key', async () => {
    const username = `secretive_${iso.name}`.slice(0, 64);
    const password = `pw-${Math.random().toString(36).slice(2)}-never-logged`;
    expect((await suite.admin('POST', '/admin/users', { users: [{ username, password }] })).status).toBe(201);
    const login = await suite.call('POST', '/oauth/token', { grant_type: 'password', username, password });
    expect(login.status).toBe(200);
    const { access_token, refresh_token, sign_key } = login.body as Record<string, string>;
    const wrong = await suite.call('POST', '/oauth/token', { grant_type: 'password', username, password: `${password}-wrong` });
    expect(wrong.status).toBe(401);
    const refreshed = await suite.call('POST', '/oauth/token', { grant_type: 'refresh_token', refresh_token });
    expect(refreshed.status).toBe(200);
    await suite.call('GET', '/sec/result?product_id=1', undefined, access_token);
    expect((await suite.call('GET', '/admin/products', undefined, access_token)).status).toBe(403);
    // The requests above were logged (the last of them: a shopper refused an admin route)...
    const deadline = Date.now() + 5_000;
    const refusedAdmin = () =>
      logLines().some((l) => l.msg === 'answered' && l.name === 'gateway' && l.route === '/admin/*' && l.status === 403);
    while (!refusedAdmin() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(refusedAdmin()).toBe(true);

    const logs = suite.services.map((s) => s.output()).join('\n');
    for (const secret of [password, access_token!, refresh_token!, sign_key!, String(refreshed.body.access_token)]) {
      expect(logs.includes(secret), 'a secret in the logs').toBe(false); // ...without their secrets
    }
  });
});
