import { parseActivity, zkPaths, type ActivityConfig } from '@sk/seckill';
import { MIGRATIONS_DIR, createMysql, createRedis, migrate, type Pool, type Redis } from '@sk/storage';
import { ZkSession } from '@sk/zookeeper';
import type { RowDataPacket } from 'mysql2/promise';
import { isolate, type Isolation } from '../../../test/support/infra.js';
import { TokenMint } from '../../../test/support/tokens.js';
import { buildApp } from '../src/app.js';

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
  const app = buildApp({
    mysql,
    redis: appRedis,
    zk: appZk,
    verifier: tokens.verifier,
    redisPrefix: iso.redisPrefix,
    zkRoot: iso.zkRoot,
    mirrorIntervalMs: opts.mirrorIntervalMs ?? 200,
    blacklistSyncMs: 200,
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
  });
  await app.ready();

  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body?: unknown, token: string | null = tokens.admin) => {
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
