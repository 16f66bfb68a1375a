import { GatewaySeal } from '@sk/http';
import { GATEWAY_HEADERS, requestSignature } from '@sk/seckill';
import type { Isolation } from './infra.js';
import { startService, type RunningService } from './processes.js';

export interface SuiteShape {
  skApp?: number;
  skCore?: number;
  skOrder?: number;
  env?: Record<string, string>;
}

export interface Shopper {
  userId: number;
  accessToken: string;
  signKey: string;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: { code: number; message: string; result?: Record<string, unknown>; errors?: unknown[] } & Record<string, unknown>;
}

/** The five services as real processes on one isolation, used through the gateway. */
export class Suite {
  readonly services: RunningService[] = [];
  private adminToken = '';

  constructor(
    readonly iso: Isolation,
    private readonly env: Record<string, string> = iso.env,
  ) {}

  static async start(iso: Isolation, shape: SuiteShape = {}): Promise<Suite> {
    const env = { ...iso.env, ...shape.env };
    const suite = new Suite(iso, env);
    try {
      suite.services.push(await startService('auth', { ...env, GRPC_PORT: '0', SK_ADMIN_USER: 'admin', SK_ADMIN_PASSWORD: 'admin123' }));
      const rest = [
        startService('sk-admin', env),
        ...Array.from({ length: shape.skCore ?? 1 }, () => startService('sk-core', env)),
        ...Array.from({ length: shape.skApp ?? 1 }, () => startService('sk-app', env)),
        ...Array.from({ length: shape.skOrder ?? 1 }, () => startService('sk-order', env)),
        startService('gateway', env),
      ];
      suite.services.push(...(await Promise.all(rest)));
      await suite.waitRoutable();
      suite.adminToken = (await suite.login('admin', 'admin123')).accessToken;
      return suite;
    } catch (err) {
      await suite.stop();
      throw err;
    }
  }

  get gateway(): RunningService {
    return this.services.find((s) => s.name === 'gateway')!;
  }

  instances(name: string): RunningService[] {
    return this.services.filter((s) => s.name === name);
  }

  /** Starts one more instance of `name` (e.g. one that was killed coming back). */
  async add(name: string): Promise<RunningService> {
    const service = await startService(name, this.env);
    this.services.push(service);
    return service;
  }

  async stop(): Promise<void> {
    await Promise.all(this.services.map((s) => s.stop()));
  }

  async call(method: string, path: string, body?: unknown, token?: string): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${this.gateway.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    let parsed: Answer['body'];
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { code: -1, message: text };
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  admin(method: string, path: string, body?: unknown): Promise<Answer> {
    return this.call(method, path, body, this.adminToken);
  }

  /** Every upstream is found through discovery: wait until the gateway reaches each kind. */
  private async waitRoutable(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [list, token] = await Promise.all([
        this.call('GET', '/sec/list').catch(() => null),
        this.call('POST', '/oauth/token', { grant_type: 'password', username: 'admin', password: 'admin123' }).catch(() => null),
      ]);
      if (list?.status === 200 && token?.status === 200) {
        const admin = await this.call('GET', '/admin/products', undefined, String(token.body.access_token));
        if (admin.status === 200) return;
      }
      if (Date.now() > deadline) throw new Error(`gateway not routing within ${timeoutMs} ms: ${JSON.stringify({ list, token })}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async login(username: string, password: string): Promise<Shopper> {
    const res = await this.call('POST', '/oauth/token', { grant_type: 'password', username, password });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
    return { userId: Number(res.body.user_id), accessToken: String(res.body.access_token), signKey: String(res.body.sign_key) };
  }

  /** Creates `count` shoppers and logs each in. */
  async shoppers(count: number, label = 'u'): Promise<Shopper[]> {
    const users = Array.from({ length: count }, (_, i) => ({
      username: `${label}${i}_${this.iso.name}`.slice(0, 64),
      password: 'pass123',
    }));
    const created = await this.admin('POST', '/admin/users', { users });
    if (created.status !== 201) throw new Error(`create users: ${created.status} ${JSON.stringify(created.body)}`);
    const shoppers: Shopper[] = [];
    for (let i = 0; i < users.length; i += 25) {
      shoppers.push(...(await Promise.all(users.slice(i, i + 25).map((u) => this.login(u.username, u.password)))));
    }
    return shoppers;
  }

  /** A product with an activity on sale now. */
  async sale(opts: {
    total: number;
    buy_limit: number;
    buy_rate?: number;
    startInS?: number;
    pay_window_s?: number;
  }): Promise<{ productId: number; activityId: number }> {
    const product = await this.admin('POST', '/admin/products', { name: `product ${Date.now()}` });
    if (product.status !== 201) throw new Error(`create product: ${JSON.stringify(product.body)}`);
    const productId = Number(product.body.result!.product_id);
    const now = Math.floor(Date.now() / 1000);
    const activity = await this.admin('POST', '/admin/activities', {
      name: 'e2e sale',
      product_id: productId,
      start_time: now + (opts.startInS ?? -60),
      end_time: now + 3600,
      total: opts.total,
      buy_limit: opts.buy_limit,
      buy_rate: opts.buy_rate ?? 1,
      ...(opts.pay_window_s ? { pay_window_s: opts.pay_window_s } : {}),
    });
    if (activity.status !== 201) throw new Error(`create activity: ${JSON.stringify(activity.body)}`);
    return { productId, activityId: Number(activity.body.result!.activity_id) };
  }

  /** Waits until shoppers see the product's activity with `status`. */
  async until(productId: number, status: string, timeoutMs = 5_000): Promise<number> {
    const started = Date.now();
    for (;;) {
      const info = await this.call('GET', `/sec/info?product_id=${productId}`);
      if (info.status === 200 && info.body.result?.status === status) return Date.now() - started;
      if (Date.now() - started > timeoutMs)
        throw new Error(`product ${productId} not ${status} within ${timeoutMs} ms: ${JSON.stringify(info)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  killBody(shopper: Shopper, productId: number, overrides: Partial<{ sec_time: number; nonce: string }> = {}) {
    const fields = {
      product_id: productId,
      sec_time: overrides.sec_time ?? Date.now(),
      nonce: overrides.nonce ?? `${shopper.userId}-${Math.random().toString(36).slice(2, 14)}`,
    };
    return { ...fields, sign: requestSignature(shopper.signKey, { ...fields, user_id: shopper.userId }) };
  }

  /** The seal a gateway of this suite puts on a request it forwards: for tests that reach a service behind it directly. */
  sealedAs(method: string, url: string): Record<string, string> {
    return { [GATEWAY_HEADERS.seal]: new GatewaySeal(this.env.SK_SECRET!).seal({ method, url }) };
  }

  kill(shopper: Shopper, productId: number): Promise<Answer> {
    return this.call('POST', '/sec/kill', this.killBody(shopper, productId), shopper.accessToken);
  }
}

/** Runs `tasks` with at most `limit` in flight. */
export async function pooled<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}
