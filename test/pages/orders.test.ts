import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Shopper } from '@sk/test-support';
import { OPERATOR, accounts, article, buyOnce, namedSale, pagesSuite, type Account } from './browser.js';

// The order half of the pages: needs the orders routes (sk-order behind /orders, `orders` counts, reconciliation).
const t = pagesSuite('pages_orders');

const myOrders = (page: Page) => page.getByRole('region', { name: 'My orders' });

interface Order {
  order_id: string;
  status: string;
}

async function ordersOf(shopper: Shopper): Promise<Order[]> {
  const res = await t.suite.call('GET', '/orders', undefined, shopper.accessToken);
  expect([res.status, res.body.code]).toEqual([200, 0]);
  return res.body.result as unknown as Order[];
}

describe('orders in the pages', () => {
  it('shows the order of a win with the time left to pay; "Pay" makes it paid, in the sale and in My orders', async () => {
    const [hana] = (await accounts(t.suite, 'payer', 1)) as [Account];
    await namedSale(t.suite, 'Pay sale', { total: 5, buy_limit: 2, pay_window_s: 600 });
    const page = await t.browsing.signedIn(t.suite, '/', hana);
    const card = article(page, 'Pay sale');
    await buyOnce(card);
    await card.getByText(/^(9|10) min \d\d s left to pay$/).waitFor();
    expect(await card.getByText('unpaid', { exact: true }).isVisible()).toBe(true);

    // Listed by the API (not only remembered by the page): still there after a reload.
    const shopper = await t.suite.login(hana.username, hana.password);
    await expect.poll(async () => (await ordersOf(shopper)).map((o) => o.status), { timeout: 2_000 }).toEqual(['unpaid']);
    await page.reload();
    await myOrders(page).getByRole('listitem').getByText('unpaid', { exact: true }).waitFor();

    await article(page, 'Pay sale').getByRole('button', { name: 'Pay' }).click();
    await article(page, 'Pay sale').getByText('paid', { exact: true }).waitFor();
    await myOrders(page).getByText('paid', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Pay' }).count()).toBe(0);
    expect((await ordersOf(shopper)).map((o) => o.status)).toEqual(['paid']);
  });

  it('shows an unpaid order expire once its time to pay is up, and its unit back on sale', async () => {
    const [ivan] = (await accounts(t.suite, 'late', 1)) as [Account];
    await namedSale(t.suite, 'Short window sale', { total: 1, buy_limit: 1, pay_window_s: 5 });
    const page = await t.browsing.signedIn(t.suite, '/', ivan);
    const card = article(page, 'Short window sale');
    await card.getByRole('button', { name: 'Buy' }).click();
    await card.getByText(/^[1-5] s left to pay$/).waitFor();
    await card.getByText('Sold out', { exact: true }).waitFor({ timeout: 3_000 });

    await myOrders(page).getByText('expired', { exact: true }).waitFor({ timeout: 15_000 });
    await card.getByText('On sale', { exact: true }).waitFor({ timeout: 5_000 });
    expect(await card.locator('.remaining').textContent()).toBe('Remaining: 1 of 1');
  });

  it('lists orders by activity and status a page at a time, counts them, and reconciles the sale', async () => {
    const shoppers = await t.suite.shoppers(25, 'ordered');
    const { productId, activityId } = await namedSale(t.suite, 'Orders sale', { total: 30, buy_limit: 1 });
    await t.suite.until(productId, 'on_sale');
    const wins = await Promise.all(shoppers.map((s) => t.suite.kill(s, productId)));
    expect(wins.map((w) => w.body.code)).toEqual(wins.map(() => 1002));
    for (const [i, shopper] of shoppers.slice(0, 3).entries()) {
      const orderId = String(wins[i]!.body.result!.order_id);
      await expect
        .poll(async () => (await t.suite.call('POST', `/orders/${orderId}/pay`, undefined, shopper.accessToken)).status, { timeout: 3_000 })
        .toBe(200);
    }

    const ops = await t.browsing.signedIn(t.suite, '/console/', OPERATOR);
    const card = article(ops, 'Orders sale');
    await expect
      .poll(() => Promise.all(['sold', 'unpaid', 'paid'].map((k) => card.locator(`[data-stat="${k}"]`).textContent())), { timeout: 3_000 })
      .toEqual(['25', '22', '3']);

    const orders = ops.getByRole('region', { name: 'Orders' });
    await orders.getByLabel('Activity').selectOption(String(activityId));
    const rows = orders.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(20);
    await orders.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => rows.count()).toBe(5);
    expect(await orders.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await orders.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => rows.count()).toBe(20);
    await orders.getByLabel('Status').selectOption('paid');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.getByText('paid', { exact: true }).count()).toBe(3);

    await card.getByRole('button', { name: 'Reconcile' }).click();
    await expect.poll(() => card.locator('[data-stat="drift"]').textContent()).toBe('0');
    await card.getByRole('button', { name: 'Repair' }).click();
    const audit = ops.getByRole('region', { name: 'Audit log' });
    await audit.getByRole('cell', { name: 'activity.reconcile', exact: true }).waitFor({ timeout: 6_000 });
    expect(await card.locator('[data-stat="drift"]').textContent()).toBe('0');
  });
});
