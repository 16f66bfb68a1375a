import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { accounts, article, buyOnce, namedSale, pagesSuite, type Account } from './browser.js';

// Limits of this file's own: a shopper behind 203.0.113.7 (named by X-Forwarded-For from the
// trusted loopback) held to 20/s, and each shopper to one purchase attempt per 5 s.
const SHOPPER_IP = '203.0.113.7';
const limitsFile = join(tmpdir(), `gateway-limits-${process.pid}-${Date.now()}.json`);
writeFileSync(
  limitsFile,
  JSON.stringify({
    trustedProxies: ['127.0.0.1'],
    exempt: ['127.0.0.0/8'],
    rules: [
      { name: 'client', by: 'ip', rate: 20, burst: 20, nodelay: true },
      { name: 'kill', by: 'user', path: '/sec/kill', rate: 0.2, burst: 0, nodelay: true },
    ],
  }),
);
const t = pagesSuite('pages_serving', { env: { GATEWAY_LIMITS_FILE: limitsFile } });
afterAll(() => rmSync(limitsFile, { force: true }));

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${t.suite.gateway.url}${path}`, { headers, redirect: 'manual' });

/** The hashed assets an HTML page loads. */
async function assetsOf(path: string): Promise<string[]> {
  const html = await (await get(path)).text();
  return [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
}

describe('the pages as the gateway serves them', () => {
  it('serves / and /console/ revalidated, their hashed assets cached for good', async () => {
    for (const path of ['/', '/console/']) {
      const page = await get(path);
      expect([page.status, page.headers.get('content-type'), page.headers.get('cache-control')]).toEqual([
        200,
        'text/html; charset=utf-8',
        'no-cache',
      ]);
      // As a browser revalidates (fetch itself would add `cache-control: no-cache`, which asks for the whole page).
      const again = await get(path, { 'if-none-match': page.headers.get('etag')!, 'cache-control': 'max-age=0' });
      expect(again.status).toBe(304);

      const assets = await assetsOf(path);
      expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
      for (const asset of assets) {
        const res = await get(asset);
        expect([asset, res.status, res.headers.get('cache-control')]).toEqual([asset, 200, 'public, max-age=31536000, immutable']);
      }
    }
    const bare = await get('/console');
    expect([bare.status, bare.headers.get('location')]).toEqual([301, '/console/']);
  });

  it('still answers any other path with the JSON 404/1003', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['GET', '/assets/nope.js'],
      ['POST', '/'],
      ['GET', '/console/nope'],
      ['DELETE', '/console/'],
    ]) {
      const res = await t.suite.call(method!, path!);
      expect([path, res.status, res.body.code]).toEqual([path, 404, 1003]);
    }
    expect((await t.suite.call('GET', '/sec/list')).status).toBe(200);
  });

  it('does not count the pages against a shopper’s address limit', async () => {
    const fromShopper = { 'x-forwarded-for': SHOPPER_IP };
    const assets = [...(await assetsOf('/')), ...(await assetsOf('/console/'))];
    for (let i = 0; i < 10; i++) {
      const loads = await Promise.all(['/', '/console/', ...assets].map((path) => get(path, fromShopper)));
      expect(loads.map((r) => r.status)).toEqual(loads.map(() => 200));
    }
    expect((await get('/sec/list', fromShopper)).status).toBe(200);
    // The rule holds for the API all the same.
    const burst = await Promise.all(Array.from({ length: 60 }, () => get('/sec/list', fromShopper)));
    expect(burst.some((r) => r.status === 429)).toBe(true);
  });

  it('shows a 429 with when to try again, from Retry-After', async () => {
    const [grace] = (await accounts(t.suite, 'limited', 1)) as [Account];
    await namedSale(t.suite, 'Limited sale', { total: 10, buy_limit: 5 });
    const card = article(await t.browsing.signedIn(t.suite, '/', grace), 'Limited sale');
    const buy = card.getByRole('button', { name: 'Buy' });
    await buyOnce(card);

    await buy.click();
    await card
      .getByRole('status')
      .getByText(/^Too many attempts — try again in [1-5] s$/)
      .waitFor();
    expect(await buy.isDisabled()).toBe(true);
    await expect.poll(() => buy.isEnabled(), { timeout: 7_000 }).toBe(true);
    await buyOnce(card);
  });
});
