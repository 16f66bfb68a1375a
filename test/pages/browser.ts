import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Locator, type Page } from 'playwright-core';
import { Suite, isolate, type Isolation, type SuiteShape } from '@sk/test-support';

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

// Debian's Chromium (./sk test installs it with apt): never a browser download.
const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};

// Chromium reports each API answer of 4xx/5xx (a refusal is the sale's plain answer: sold out 410,
// not picked 409...) and each request a restarting gateway could not take as a console error of its own.
const API_PATH = /^\/(sec|oauth|orders|admin|payments)(\/|$)/;
const isApiLoadReport = (message: ConsoleMessage) =>
  message.text().startsWith('Failed to load resource') && API_PATH.test(new URL(message.location().url).pathname);

export interface OpenOptions {
  viewport?: { width: number; height: number };
  /** How wrong the browser's clock is, in ms. */
  clockSkewMs?: number;
}

/** Headless Chromium; every page gets its own context (its own storage: one person each) and reports its errors here. */
export class Browsing {
  /** Uncaught errors and console errors of every page opened since the last `closePages`. */
  errors: string[] = [];
  private contexts: BrowserContext[] = [];

  private constructor(private readonly browser: Browser) {}

  static async start(): Promise<Browsing> {
    return new Browsing(await chromium.launch(LAUNCH));
  }

  async open(url: string, { viewport = DESKTOP, clockSkewMs = 0 }: OpenOptions = {}): Promise<Page> {
    const context = await this.browser.newContext({ viewport });
    this.contexts.push(context);
    if (clockSkewMs) await context.addInitScript({ content: skewedClock(clockSkewMs) });
    const page = await context.newPage();
    page.on('pageerror', (err) => this.errors.push(`uncaught: ${err.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !isApiLoadReport(message))
        this.errors.push(`console: ${message.text()} (${message.location().url})`);
    });
    await page.goto(url);
    return page;
  }

  /** A page at `path` of the suite's gateway, signed in. */
  async signedIn(
    suite: Suite,
    path: string,
    { username, password }: { username: string; password: string },
    opts?: OpenOptions,
  ): Promise<Page> {
    const page = await this.open(`${suite.gateway.url}${path}`, opts);
    await signIn(page, username, password);
    return page;
  }

  /** Closes the pages opened so far; the errors they had, for the test to check. */
  async closePages(): Promise<string[]> {
    await Promise.all(this.contexts.map((c) => c.close()));
    this.contexts = [];
    const errors = this.errors;
    this.errors = [];
    return errors;
  }

  async stop(): Promise<void> {
    await this.closePages();
    await this.browser.close();
  }
}

/** A `Date` running `skewMs` ahead of the real clock, as on a machine whose clock is wrong. */
function skewedClock(skewMs: number): string {
  return `{
    const Real = Date;
    class Skewed extends Real {
      constructor(...args) { if (args.length) super(...args); else super(Real.now() + ${skewMs}); }
      static now() { return Real.now() + ${skewMs}; }
    }
    globalThis.Date = Skewed;
  }`;
}

export interface PagesSetup {
  iso: Isolation;
  suite: Suite;
  browsing: Browsing;
}

/**
 * The suite and a browser for a test file (or describe block): started before its tests, stopped
 * after; each test ends with its pages closed and no error in any of them.
 */
export function pagesSuite(label: string, shape: SuiteShape = {}): PagesSetup {
  const setup = { iso: isolate(label) } as PagesSetup;
  beforeAll(async () => {
    [setup.suite, setup.browsing] = await Promise.all([Suite.start(setup.iso, shape), Browsing.start()]);
  });
  afterEach(async () => {
    expect(await setup.browsing.closePages()).toEqual([]);
  });
  afterAll(async () => {
    await setup.browsing?.stop();
    await setup.suite?.stop();
    await setup.iso.cleanup();
  });
  return setup;
}

export const OPERATOR = { username: 'admin', password: 'admin123' };

/** A sale's article on the shopper page, or its card in the console. */
export const article = (page: Page, name: string) => page.getByRole('article', { name, exact: true });

/** One click on the sale's "Buy", and its win. */
export async function buyOnce(sale: Locator): Promise<void> {
  await sale.getByRole('button', { name: 'Buy' }).click();
  await sale.getByRole('status').getByText('You got one!', { exact: false }).waitFor({ timeout: 10_000 });
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export interface Account {
  username: string;
  password: string;
  userId: number;
}

/** Shoppers whose names the test knows (it signs in with them). */
export async function accounts(suite: Suite, label: string, count: number): Promise<Account[]> {
  const users = Array.from({ length: count }, (_, i) => ({ username: `${label}${i}_${suite.iso.name}`.slice(0, 64), password: 'pass123' }));
  const created = await suite.admin('POST', '/admin/users', { users });
  if (created.status !== 201) throw new Error(`create users: ${created.status} ${JSON.stringify(created.body)}`);
  const ids = created.body.result as unknown as { user_id: number }[];
  return users.map((u, i) => ({ ...u, userId: ids[i]!.user_id }));
}

/** A sale with a name of its own, so that the page shows it as its own article. */
export async function namedSale(
  suite: Suite,
  name: string,
  opts: { total: number; buy_limit: number; startInS?: number; pay_window_s?: number },
): Promise<{ productId: number; activityId: number; startMs: number }> {
  const product = await suite.admin('POST', '/admin/products', { name: `${name} product` });
  if (product.status !== 201) throw new Error(`create product: ${JSON.stringify(product.body)}`);
  const productId = Number(product.body.result!.product_id);
  // Whole seconds: what MySQL keeps of a start time.
  const startMs = Math.ceil((Date.now() + (opts.startInS ?? -60) * 1000) / 1000) * 1000;
  const activity = await suite.admin('POST', '/admin/activities', {
    name,
    product_id: productId,
    start_time: new Date(startMs).toISOString(),
    end_time: new Date(startMs + 3_600_000).toISOString(),
    total: opts.total,
    buy_limit: opts.buy_limit,
    ...(opts.pay_window_s ? { pay_window_s: opts.pay_window_s } : {}),
  });
  if (activity.status !== 201) throw new Error(`create activity: ${JSON.stringify(activity.body)}`);
  return { productId, activityId: Number(activity.body.result!.activity_id), startMs };
}
