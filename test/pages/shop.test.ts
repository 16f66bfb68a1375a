/// <reference lib="dom" />
// (for the functions run in the page)
import { describe, expect, it } from 'vitest';
import { startService, type RunningService } from '@sk/test-support';
import { OPERATOR, PHONE, accounts, article, buyOnce, namedSale, pagesSuite, type Account, type OpenOptions } from './browser.js';

const t = pagesSuite('pages_shop');
const HOUR_MS = 3_600_000;

const shopFor = (account: Account, opts?: OpenOptions) => t.browsing.signedIn(t.suite, '/', account, opts);

/** Stops an instance of the suite for good (another may be started in its place). */
async function retire(service: RunningService): Promise<void> {
  await service.stop();
  t.suite.services.splice(t.suite.services.indexOf(service), 1);
}

describe('the shopper page', () => {
  it('counts down by the server clock on a browser an hour off, opens at the start, buys with one click; a latecomer sees it sold out', async () => {
    const [alice, bob] = (await accounts(t.suite, 'early', 2)) as [Account, Account];
    const { startMs } = await namedSale(t.suite, 'Five second sale', { total: 1, buy_limit: 1, startInS: 5 });
    const page = await shopFor(alice, { clockSkewMs: HOUR_MS });
    const card = article(page, 'Five second sale');
    const buy = card.getByRole('button', { name: 'Buy' });

    // A page reading the browser's clock would think the sale began an hour ago.
    await card.getByText(/^Starts in [1-5] s$/).waitFor({ timeout: 3_000 });
    expect(await card.getByText('Not started').isVisible()).toBe(true);
    expect(await buy.isDisabled()).toBe(true);

    await expect.poll(() => buy.isEnabled(), { timeout: 10_000, interval: 20 }).toBe(true);
    const openedAt = Date.now();
    expect(openedAt).toBeGreaterThanOrEqual(startMs - 50);
    expect(openedAt).toBeLessThan(startMs + 1_000);

    await buyOnce(card);
    await expect.poll(() => card.locator('.remaining strong').textContent(), { timeout: 2_000 }).toBe('0');

    const lateCard = article(await shopFor(bob), 'Five second sale');
    await lateCard.getByText('Sold out', { exact: true }).waitFor({ timeout: 3_000 });
    const lateBuy = lateCard.getByRole('button', { name: 'Buy' });
    expect(await lateBuy.isDisabled()).toBe(true);
    expect(await lateBuy.evaluate((button) => getComputedStyle(button).backgroundColor)).toBe('rgb(184, 190, 200)');
  });

  it('sends one attempt for a double click, and one more for the next click', async () => {
    const [carol] = (await accounts(t.suite, 'double', 1)) as [Account];
    await namedSale(t.suite, 'Double click sale', { total: 10, buy_limit: 5 });
    const page = await shopFor(carol);
    let attempts = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/sec/kill') attempts++;
    });
    const card = article(page, 'Double click sale');
    const buy = card.getByRole('button', { name: 'Buy' });
    await expect.poll(() => buy.isEnabled()).toBe(true);

    await buy.dblclick();
    await card.getByRole('status').getByText('You got one!', { exact: false }).waitFor();
    await page.waitForTimeout(500);
    expect(attempts).toBe(1);

    await buy.click();
    await expect.poll(() => attempts).toBe(2);
  });

  it('keeps the session across a reload, through the refresh token', async () => {
    const [dave] = (await accounts(t.suite, 'reload', 1)) as [Account];
    await namedSale(t.suite, 'Reload sale', { total: 3, buy_limit: 1 });
    const page = await shopFor(dave);
    await article(page, 'Reload sale').waitFor();
    const grants: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/oauth/token') grants.push(String(request.postDataJSON()?.grant_type));
    });

    await page.reload();
    await article(page, 'Reload sale').waitFor();
    expect(grants).toEqual(['refresh_token']);
    expect(await page.getByRole('button', { name: 'Sign in' }).count()).toBe(0);
    expect(await page.getByText(dave.username).isVisible()).toBe(true);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  it('fits a 390 px phone screen', async () => {
    const [erin] = (await accounts(t.suite, 'phone', 1)) as [Account];
    await namedSale(t.suite, 'Phone sale', { total: 3, buy_limit: 1 });
    const page = await shopFor(erin, { viewport: PHONE });
    const card = article(page, 'Phone sale');
    await card.waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    const box = await card.getByRole('button', { name: 'Buy' }).boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
    await buyOnce(card);
  });

  it('says busy while the sale cannot answer, and checks an attempt that timed out until its outcome is known', async () => {
    const [gina] = (await accounts(t.suite, 'outage', 1)) as [Account];
    await namedSale(t.suite, 'Outage sale', { total: 5, buy_limit: 2 });
    const page = await shopFor(gina);
    const card = article(page, 'Outage sale');
    const buy = card.getByRole('button', { name: 'Buy' });
    await expect.poll(() => buy.isEnabled()).toBe(true);

    await retire(t.suite.instances('sk-app')[0]!);
    await buy.click();
    await card.getByRole('status').getByText('Busy — try again').waitFor({ timeout: 5_000 });
    await t.suite.add('sk-app');
    await page.getByText(/retrying…$/).waitFor({ state: 'hidden', timeout: 10_000 });

    // No sk-core: the attempt waits in the queue, and sk-app answers 1108 when its wait is over.
    await retire(t.suite.instances('sk-core')[0]!);
    await buy.click();
    await card.getByRole('status').getByText('Timeout — checking…').waitFor({ timeout: 6_000 });
    expect(await buy.isDisabled()).toBe(true);
    await t.suite.add('sk-core');
    await card.getByRole('status').getByText('Not bought: the attempt timed out — try again').waitFor({ timeout: 15_000 });
    expect(await buy.isEnabled()).toBe(true);
  });

  // Last: it replaces the suite's gateway.
  it('keeps working through a gateway restart, the console too', async () => {
    const [frank] = (await accounts(t.suite, 'restart', 1)) as [Account];
    await namedSale(t.suite, 'Restart sale', { total: 5, buy_limit: 2 });
    const page = await shopFor(frank);
    const card = article(page, 'Restart sale');
    await card.waitFor();
    const ops = await t.browsing.signedIn(t.suite, '/console/', OPERATOR);
    const sold = article(ops, 'Restart sale').locator('[data-stat="sold"]');
    await expect.poll(() => sold.textContent()).toBe('0');

    const gateway = t.suite.gateway;
    await retire(gateway);
    await page.getByText('Connection lost — retrying…').waitFor({ timeout: 5_000 });
    await ops.getByText('Connection lost — retrying…').waitFor({ timeout: 5_000 });
    t.suite.services.push(await startService('gateway', { ...t.iso.env, PORT: String(gateway.port) }));
    await page.getByText('Connection lost — retrying…').waitFor({ state: 'hidden', timeout: 10_000 });

    await expect.poll(() => card.getByRole('button', { name: 'Buy' }).isEnabled(), { timeout: 10_000 }).toBe(true);
    await buyOnce(card);
    await expect.poll(() => sold.textContent(), { timeout: 3_000 }).toBe('1');
  });
});
