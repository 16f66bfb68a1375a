import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/processes.js';

// The private Redis and MariaDB that ./sk starts (scripts/infra.sh), in a root of this test's own
// on ports of its own; the ZooKeeper the tests already run is reused, not started.
const INFRA = fileURLToPath(new URL('../../scripts/infra.sh', import.meta.url));
const run = promisify(execFile);
let root: string;
let ports: { redis: number; mysql: number };

/** Runs `script` in bash with infra.sh loaded for the test's root and ports. */
function infra(script: string) {
  const prelude = `set -euo pipefail; SK_ROOT=${root}; source ${INFRA}; SK_REDIS_PORT=${ports.redis}; SK_MYSQL_PORT=${ports.mysql};`;
  return run('bash', ['-c', `${prelude} ${script}`], { env: { PATH: process.env.PATH, ZK_HOSTS: process.env.ZK_HOSTS ?? '127.0.0.1:12181' }, timeout: 120_000 });
}

/** The URLs infra_ensure settles on. */
async function ensure(): Promise<{ redisUrl: string; mysqlUrl: string }> {
  const { stdout } = await infra('infra_ensure; printf "%s\\n%s\\n" "$REDIS_URL" "$MYSQL_URL"');
  const [redisUrl, mysqlUrl] = stdout.trim().split('\n') as [string, string];
  return { redisUrl, mysqlUrl };
}

/** The URL with no password: Redis's with no credentials at all, MariaDB's with its user. */
const withoutPassword = (url: string) => (url.startsWith('redis:') ? url.replace(/\/\/[^@/]*@/, '//') : url.replace(/:[^:@/]*@/, '@'));

async function redisAnswers(url: string): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await redis.ping();
  } catch (err) {
    return (err as Error).message;
  } finally {
    redis.disconnect();
  }
}

async function mysqlAnswers(url: string): Promise<string> {
  const u = new URL(url);
  try {
    const conn = await mysql.createConnection({ host: u.hostname, port: Number(u.port), user: u.username, password: decodeURIComponent(u.password) });
    await conn.end();
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sk-infra-'));
  ports = { redis: await freePort(), mysql: await freePort() };
});

afterAll(async () => {
  await infra('stop_pidfiles $(infra_pidfiles)').catch(() => {});
  await rm(root, { recursive: true, force: true });
});

describe('the private Redis and MariaDB', () => {
  it('ask for a password of their own, kept where only their owner reads it, also when started again', async () => {
    const first = await ensure();
    for (const url of [first.redisUrl, first.mysqlUrl]) expect(url).toMatch(/\/\/[^/]*:[0-9a-f]{36}@127\.0\.0\.1:/);
    expect(await redisAnswers(first.redisUrl)).toBe('PONG');
    expect(await redisAnswers(withoutPassword(first.redisUrl))).toMatch(/NOAUTH/);
    expect(await mysqlAnswers(first.mysqlUrl)).toBe('ok');
    expect(await mysqlAnswers(withoutPassword(first.mysqlUrl))).toBe('ER_ACCESS_DENIED_ERROR');
    expect((await stat(join(root, '.data/infra-password'))).mode & 0o077).toBe(0);

    // Stopped and started again from their data: the same password, still asked.
    await infra('stop_pidfiles $(infra_pidfiles)');
    const again = await ensure();
    expect(again).toEqual(first);
    expect(await redisAnswers(withoutPassword(again.redisUrl))).toMatch(/NOAUTH/);
    expect(await mysqlAnswers(again.mysqlUrl)).toBe('ok');
  }, 180_000);
});
