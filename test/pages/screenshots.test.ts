import { mkdirSync } from 'node:fs';
import { describe, it } from 'vitest';
import type { Page } from 'playwright-core';
import { pooled } from '@sk/test-support';
import { DESKTOP, OPERATOR, PHONE, article, buyOnce, namedSale, pagesSuite } from './browser.js';

// The README's pictures of both pages: `SK_SCREENSHOTS=docs ./sk test test/pages/screenshots` writes them to docs/
// (vitest.config.ts leaves this file out otherwise).
const DIR = process.env.SK_SCREENSHOTS;

describe('screenshots of the pages', () => {
  const t = pagesSuite('pages_shots');

  it('takes the shopper page and the console, desktop and 390 px phone', async () => {
    const { suite, browsing } = t;
    mkdirSync(DIR!, { recursive: true });
    // A short name of its own (this suite's database is its own): it shows in the top bar.
    const shopper = { username: 'ana', password: 'pass123' };
    await suite.admin('POST', '/admin/users', { users: [shopper] });
    const crowd = await suite.shoppers(20, 'shotcrowd');
    await namedSale(suite, 'Evening drop: camera', { total: 50, buy_limit: 1, startInS: 2 * 3600 + 754 });
    const sneakers = await namedSale(suite, 'Limited sneakers', { total: 20, buy_limit: 1 });
    const phone = await namedSale(suite, 'Flagship phone', { total: 500, buy_limit: 2, pay_window_s: 900 });
    await suite.until(phone.productId, 'on_sale');
    await pooled(
      [...crowd.map((s) => () => suite.kill(s, sneakers.productId)), ...crowd.map((s) => () => suite.kill(s, phone.productId))],
      10,
    );

    for (const [name, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      const shop = await browsing.signedIn(suite, '/', shopper, { viewport });
      await buyOnce(article(shop, 'Flagship phone'));
      await shop.waitForTimeout(2_500);
      await shot(shop, `shop-${name}`, viewport);

      const ops = await browsing.signedIn(suite, '/console/', OPERATOR, { viewport });
      await article(ops, 'Flagship phone').getByRole('button', { name: 'Reconcile' }).click();
      await ops.waitForTimeout(2_500);
      await shot(ops, `console-${name}`, viewport);
    }
  });
});

/** The whole page on a desktop; on a phone, its first screen (what a shopper sees there). */
function shot(page: Page, name: string, viewport: typeof DESKTOP): Promise<Buffer> {
  return page.screenshot({ path: `${DIR}/${name}.png`, fullPage: viewport === DESKTOP });
}
