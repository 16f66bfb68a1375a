import type { OrderStatus } from '@sk/orders';
import { parseActivity, redisKeys, zkPaths, type ActivityConfig } from '@sk/seckill';
import { MIGRATIONS_DIR, createMysql, createRedis, migrate, type Pool, type Redis } from '@sk/storage';
import { ZkSession } from '@sk/zookeeper';
import type { RowDataPacket } from 'mysql2/promise';
import { TokenMint, isolate, type Isolation } from '@sk/test-support';
import { buildApp } from '../src/app.js';
import { OperatorCheck } from '../src/operator-check.js';

/** Tokens for the admin API: an operator's, a shopper's, and a signer for others. */
export async function testTokens() {
  const mint = await TokenMint.create();
  const sign = (userId: number, username: string, roles: string[], issuer?: string) =>
    mint.sign(userId, roles, { username, expiresAt: '10m', ...(issuer ? { issuer } : {}) });
  return {
    jwks: mint.jwks,
    verifier: mint.verifier(),
    admin: await sign(1, 'admin', ['admin', 'user']),
    shopper: await sign(2, 'user2', ['user']),
    sign,
  };
}

export interface HarnessOptions {
  /** ZooKeeper the app mirrors to; by default the isolation's (and it is waited for). */
  zkHosts?: string;
  /** Redis the app reads sales from; by default the isolation's. */
  redisUrl?: string;
  /** The app's own reconciler period. */
  mirrorIntervalMs?: number;
  /** Checks in MySQL that an admin token's user is still an operator (as main does); off, the token's word is enough. */
  checkOperators?: boolean;
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** sk-admin's app on real MariaDB, Redis and ZooKeeper of its own isolation, called with `inject`. */
export async function startHarness(label: string, opts: HarnessOptions = {}) {
  const iso: Isolation = isolate(label);
  const mysql = await createMysql(iso.mysqlUrl);
  await migrate(mysql, MIGRATIONS_DIR);
  const redis = createRedis(iso.redisUrl);
  const appRedis = opts.redisUrl ? createRedis(opts.redisUrl) : redis;
  const appZk = new ZkSession({ hosts: opts.zkHosts ?? iso.zkHosts });
  // A session of the test's own, for reading znodes, even when the app's points nowhere.
  const zk = opts.zkHosts ? new ZkSession({ hosts: iso.zkHosts }) : appZk;
  await zk.waitConnected();
  const tokens = await testTokens();
  const appOn = (appRedis: Redis, mirrorIntervalMs: number) =>
    buildApp({
      mysql,
      redis: appRedis,
      zk: appZk,
      verifier: tokens.verifier,
      redisPrefix: iso.redisPrefix,
      zkRoot: iso.zkRoot,
      mirrorIntervalMs,
      blacklistSyncMs: 200,
      logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...(opts.checkOperators ? { operators: new OperatorCheck(mysql) } : {}),
    });
  const app = appOn(appRedis, opts.mirrorIntervalMs ?? 200);
  await app.ready();

  const call = async (
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    token: string | null = tokens.admin,
  ) => {
    const res = await app.inject({
      method,
      url,
      ...(body === undefined ? {} : { payload: body as object }),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: res.statusCode, body: res.json() };
  };

  const paths = zkPaths(iso.zkRoot);
  return {
    iso,
    mysql,
    redis,
    zk,
    app,
    tokens,
    call,
    paths,
    keys: redisKeys(iso.redisPrefix),
    /** A second app of this isolation on Redis that is not there: calls it makes fail at once. */
    appWithoutRedis() {
      const deadRedis = createRedis('redis://127.0.0.1:1', { connectTimeout: 200 });
      const other = appOn(deadRedis, 1_000);
      other.addHook('onClose', () => deadRedis.disconnect());
      const auth = { authorization: `Bearer ${tokens.admin}` };
      return {
        call: (method: 'GET' | 'POST', url: string, payload?: object) =>
          other.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) }),
        close: () => other.close(),
      };
    },
    async setOrderStatus(status: OrderStatus, orderIds: string[]): Promise<void> {
      await mysql.query('UPDATE orders SET status = ? WHERE order_id IN (?)', [status, orderIds]);
    },
    async znode(activityId: number): Promise<ActivityConfig | undefined> {
      const node = await zk.getData(paths.activity(activityId));
      return node ? parseActivity(node.data) : undefined;
    },
    async count(table: 'activities' | 'products' | 'users' | 'blacklist' | 'audit_log'): Promise<number> {
      const [[row]] = await mysql.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table}`);
      return Number(row!.n);
    },
    async close() {
      await app.close();
      appZk.close();
      if (zk !== appZk) zk.close();
      redis.disconnect();
      if (appRedis !== redis) appRedis.disconnect();
      await mysql.end();
      await iso.cleanup();
    },
  };
}

/** Polls until `check` returns a value other than undefined. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
