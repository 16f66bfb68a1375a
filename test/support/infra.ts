import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { ZkSession } from '@sk/zookeeper';

/** Test infrastructure: `./sk test` exports these; the defaults are the machine's own servers. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
export const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/seckill';
export const ZK_HOSTS = process.env.ZK_HOSTS ?? '127.0.0.1:12181';

/** Names no other test uses: its own database, Redis key prefix and ZooKeeper root. */
export interface Isolation {
  name: string;
  mysqlUrl: string;
  redisUrl: string;
  redisPrefix: string;
  zkHosts: string;
  zkRoot: string;
  /** Environment for a service process of this isolation. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export function isolate(label: string): Isolation {
  const name = `${label.replace(/\W/g, '_')}_${randomBytes(3).toString('hex')}`;
  const mysqlUrl = new URL(MYSQL_URL);
  mysqlUrl.pathname = `/skt_${name}`;
  const redisPrefix = `skt:${name}:`;
  const zkRoot = `/skt/${name}`;
  const iso: Isolation = {
    name,
    mysqlUrl: mysqlUrl.toString(),
    redisUrl: REDIS_URL,
    redisPrefix,
    zkHosts: ZK_HOSTS,
    zkRoot,
    env: {
      MYSQL_URL: mysqlUrl.toString(),
      REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      ZK_HOSTS,
      ZK_ROOT: zkRoot,
      SK_DISCOVERY: 'zookeeper',
      SK_SECRET: `test-secret-${name}-0123456789`,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    },
    async cleanup() {
      await Promise.allSettled([dropDatabase(mysqlUrl), deleteKeys(redisPrefix), removeTree(zkRoot)]);
    },
  };
  return iso;
}

async function dropDatabase(url: URL): Promise<void> {
  const conn = await mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
  });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${url.pathname.slice(1)}\``);
  } finally {
    await conn.end();
  }
}

async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Removes `root` and everything under it; `credentials` for a tree locked to them (ZK_AUTH). */
export async function removeTree(root: string, credentials?: string): Promise<void> {
  const zk = new ZkSession({ hosts: ZK_HOSTS, ...(credentials ? { auth: { credentials, root } } : {}) });
  try {
    await zk.waitConnected(5_000);
    const remove = async (path: string): Promise<void> => {
      for (const child of (await zk.getChildren(path)) ?? []) await remove(`${path}/${child}`);
      await zk.remove(path);
    };
    await remove(root);
  } finally {
    zk.close();
  }
}
