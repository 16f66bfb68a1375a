import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { Cluster, Redis } from 'ioredis';
import { createRedis } from '@sk/storage';
import { ZkSession } from '@sk/zookeeper';
import { clusterReady } from './cluster.js';

/** Test infrastructure: `./sk test` exports these; the defaults are the machine's own servers. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
export const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/seckill';
export const ZK_HOSTS = process.env.ZK_HOSTS ?? '127.0.0.1:12181';
/** The local Redis Cluster `./sk test` starts (scripts/redis-cluster.sh), for the files that ask for it. */
const CLUSTER_NODES = process.env.REDIS_TEST_CLUSTER_NODES;
const CLUSTER_URL = process.env.REDIS_TEST_CLUSTER_URL;

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
  /** A client of the cluster, for an isolation on one (`redis: 'cluster'`). */
  redisCluster(): Cluster;
  cleanup(): Promise<void>;
}

export interface IsolationOptions {
  /** `cluster`: the services and the checks on the local Redis Cluster instead of one Redis. */
  redis?: 'single' | 'cluster';
}

export function isolate(label: string, { redis = 'single' }: IsolationOptions = {}): Isolation {
  if (redis === 'cluster' && !(CLUSTER_NODES && CLUSTER_URL)) {
    throw new Error('no test Redis Cluster: run through ./sk test (or export what `scripts/infra.sh start --test` prints)');
  }
  const redisUrl = redis === 'cluster' ? CLUSTER_URL! : REDIS_URL;
  const clusterEnv: Record<string, string> = redis === 'cluster' ? { REDIS_CLUSTER_NODES: CLUSTER_NODES! } : {};
  const name = `${label.replace(/\W/g, '_')}_${randomBytes(3).toString('hex')}`;
  const mysqlUrl = new URL(MYSQL_URL);
  mysqlUrl.pathname = `/skt_${name}`;
  const redisPrefix = `skt:${name}:`;
  const zkRoot = `/skt/${name}`;
  const iso: Isolation = {
    name,
    mysqlUrl: mysqlUrl.toString(),
    redisUrl,
    redisPrefix,
    zkHosts: ZK_HOSTS,
    zkRoot,
    env: {
      MYSQL_URL: mysqlUrl.toString(),
      REDIS_URL: redisUrl,
      ...clusterEnv,
      REDIS_PREFIX: redisPrefix,
      ZK_HOSTS,
      ZK_ROOT: zkRoot,
      SK_DISCOVERY: 'zookeeper',
      SK_SECRET: `test-secret-${name}-0123456789`,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    },
    redisCluster: () => clusterClient(),
    async cleanup() {
      const keysDeleted = redis === 'cluster' ? deleteClusterKeys(redisPrefix) : deleteKeys(redisPrefix);
      await Promise.allSettled([dropDatabase(mysqlUrl), keysDeleted, removeTree(zkRoot)]);
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
    await deleteOn(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

/** Deletes `prefix`'s keys from one node, one key per DEL (a node of a cluster refuses keys of several slots in one). */
async function deleteOn(node: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    await Promise.all(keys.map((key) => node.del(key)));
  } while (cursor !== '0');
}

function clusterClient(): Cluster {
  return createRedis({ REDIS_URL: CLUSTER_URL!, REDIS_CLUSTER_NODES: CLUSTER_NODES! }) as Cluster;
}

async function deleteClusterKeys(prefix: string): Promise<void> {
  const cluster = clusterClient();
  try {
    await clusterReady(cluster);
    await Promise.all(cluster.nodes('master').map((node) => deleteOn(node, prefix)));
  } finally {
    cluster.disconnect();
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
