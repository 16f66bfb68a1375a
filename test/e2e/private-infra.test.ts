import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { Exception, ZkSession, isCode } from '@sk/zookeeper';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@sk/test-support';

// The private Redis, MariaDB and ZooKeeper that ./sk starts (scripts/infra.sh), in a root of this
// test's own on ports of its own; but for the ZooKeeper test, the one the tests already run is reused.
const INFRA = fileURLToPath(new URL('../../scripts/infra.sh', import.meta.url));
const run = promisify(execFile);
let root: string;
let ports: { redis: number; mysql: number; zookeeper: number };

/** Runs `script` in bash with infra.sh loaded for the test's root and ports, ZK_HOSTS the tests' unless `env` says otherwise. */
function infra(script: string, env: Record<string, string> = { ZK_HOSTS: process.env.ZK_HOSTS ?? '127.0.0.1:12181' }) {
  const prelude = `set -euo pipefail; SK_ROOT=${root}; source ${INFRA}; SK_REDIS_PORT=${ports.redis}; SK_MYSQL_PORT=${ports.mysql}; SK_ZK_PORT=${ports.zookeeper};`;
  return run('bash', ['-c', `${prelude} ${script}`], { env: { PATH: process.env.PATH, ...env }, timeout: 120_000 });
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
    const conn = await mysql.createConnection({
      host: u.hostname,
      port: Number(u.port),
      user: u.username,
      password: decodeURIComponent(u.password),
    });
    await conn.end();
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sk-infra-'));
  ports = { redis: await freePort(), mysql: await freePort(), zookeeper: await freePort() };
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

describe('the private ZooKeeper', () => {
  it('gives the services ZK_AUTH with the private password, an identity it lets take back a root someone else took', async () => {
    const { stdout } = await infra('infra_ensure; printf "%s\\n%s\\n" "$ZK_HOSTS" "$ZK_AUTH"', {});
    const [hosts, credentials] = stdout.trim().split('\n') as [string, string];
    const password = await readFile(join(root, '.data/infra-password'), 'utf8');
    expect([hosts, credentials]).toEqual([`127.0.0.1:${ports.zookeeper}`, `sk:${password}`]);
    // The server's copy of the identity: in a file only its owner reads, never on its command line.
    const config = join(root, '.data/zookeeper/conf/zoo.cfg');
    expect((await stat(config)).mode & 0o077).toBe(0);
    const superDigest = /^DigestAuthenticationProvider\.superDigest=(.+)$/m.exec(await readFile(config, 'utf8'))?.[1];
    expect(superDigest).toMatch(/^sk:[A-Za-z0-9+/]{27}=$/);
    const [pid] = (await readFile(join(root, `.data/run/zookeeper-${ports.zookeeper}.pid`), 'utf8')).split(' ');
    const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    expect(commandLine).toContain('QuorumPeerMain');
    for (const secret of [password, superDigest!]) expect(commandLine).not.toContain(secret);

    // Someone took the root, and a node under it, for an identity of their own before the suite came.
    const intruder = new ZkSession({ hosts, auth: { credentials: 'intruder:pw', root: '/seckill' } });
    const sessions = [intruder];
    try {
      await intruder.waitConnected();
      await intruder.mkdirp('/seckill/activities');
      await intruder.create('/seckill/activities/1', Buffer.from('{}'));
      const suite = new ZkSession({ hosts, auth: { credentials, root: '/seckill' } });
      sessions.push(suite);
      await suite.waitConnected();
      const refused = (attempt: Promise<unknown>) =>
        attempt.then(
          () => false,
          (err: unknown) => isCode(err, Exception.NO_AUTH),
        );
      expect(await refused(intruder.getData('/seckill/activities/1'))).toBe(true);
      expect(await refused(intruder.create('/seckill/activities/2', Buffer.from('{}')))).toBe(true);
      expect(await suite.getChildren('/seckill/activities')).toEqual(['1']);
    } finally {
      for (const session of sessions) session.close();
    }
  }, 180_000);
});
