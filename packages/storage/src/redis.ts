import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Cluster, Redis as NodeRedis, ReplyError, type RedisOptions } from 'ioredis';

/** A client of the suite's Redis: one node (REDIS_URL), or a Redis Cluster (REDIS_CLUSTER_NODES). */
export type Redis = NodeRedis | Cluster;

/**
 * Where Redis is: a URL, or a service's settings, where REDIS_CLUSTER_NODES (`host:port,…`), when
 * set, names a cluster's seed nodes instead; REDIS_URL's user and password then log into every node.
 */
export type RedisTarget = string | { REDIS_URL: string; REDIS_CLUSTER_NODES?: string | undefined };

/** Never queue commands forever while Redis is down: they fail fast (callers answer 503) while the client reconnects. */
const FAIL_FAST: RedisOptions = { maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2_000, enableAutoPipelining: true };
const reconnectDelay = (times: number) => Math.min(times * 100, 2_000);

export function createRedis(target: RedisTarget, options: RedisOptions = {}): Redis {
  const url = typeof target === 'string' ? target : target.REDIS_URL;
  const nodes = typeof target === 'string' ? undefined : target.REDIS_CLUSTER_NODES;
  const redis = nodes
    ? clusterClient(url, nodes, options)
    : new NodeRedis(url, { ...FAIL_FAST, retryStrategy: reconnectDelay, ...options });
  // Connection errors are reported by commands and by the client's status; no crash on 'error'.
  redis.on('error', () => {});
  return redis;
}

/** A connection of its own for blocking pops and subscriptions: it must not pipeline or queue. */
export function createBlockingRedis(target: RedisTarget): Redis {
  return createRedis(target, { enableAutoPipelining: false, maxRetriesPerRequest: null });
}

/**
 * A Cluster client with the same behaviour: MOVED and ASK are followed (a resharding), and a
 * failover retried, by ioredis itself; the cluster-wide options are the client's, the rest each
 * node's. Never auto-pipelined: ioredis answers an auto-pipelined command whose slot moved with
 * the MOVED error itself, and keeps routing that slot to its old node (redis/ioredis#2075).
 */
function clusterClient(url: string, nodes: string, options: RedisOptions): Cluster {
  const { enableAutoPipelining: _never, enableOfflineQueue, ...nodeOptions } = { ...FAIL_FAST, ...options };
  const { username, password } = new URL(url);
  return new Cluster(
    nodes.split(',').map((node) => {
      const [host, port] = node.trim().split(':');
      return { host: host!, port: Number(port) };
    }),
    {
      enableAutoPipelining: false,
      enableOfflineQueue,
      clusterRetryStrategy: reconnectDelay,
      redisOptions: {
        ...nodeOptions,
        username: decodeURIComponent(username) || undefined,
        password: decodeURIComponent(password) || undefined,
      },
    },
  );
}

export interface LuaScript {
  sha: string;
  source: string;
}

/** Reads a `.lua` file once; its SHA1 is the name Redis knows it by. */
export function loadLua(fileUrl: URL): LuaScript {
  const source = readFileSync(fileUrl, 'utf8');
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** EVALSHA; the body is sent only when Redis does not hold it (first call, or after a restart). */
export async function evalScript(redis: Redis, script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    // EVAL goes where the keys are (on a cluster, that node) and leaves the script cached there.
    return redis.eval(script.source, keys.length, ...keys, ...args);
  }
}

/** Redis itself answered the command with an error (refused or failed it): not a lost connection, whose command may have run. */
export function isRedisReplyError(err: unknown): boolean {
  return err instanceof ReplyError;
}

export function isRedisReady(redis: Redis): boolean {
  return redis.status === 'ready';
}

/**
 * Calls `onMessage` with each message published on `channel`; the returned function stops it.
 * `subscriber` must be a connection of its own (it enters subscriber mode); ioredis subscribes
 * again by itself after a reconnect. The SUBSCRIBE waits for the client to be ready: ioredis 5.8+
 * answers one sent during its connection handshake, yet the connection never receives a message
 * (redis/ioredis#2037).
 */
export async function subscribe(subscriber: Redis, channel: string, onMessage: (message: string) => void): Promise<() => void> {
  const listener = (from: string, message: string) => {
    if (from === channel) onMessage(message);
  };
  subscriber.on('message', listener);
  if (subscriber.status !== 'ready') await new Promise<void>((resolve) => subscriber.once('ready', () => resolve()));
  await subscriber.subscribe(channel);
  return () => subscriber.off('message', listener);
}

/**
 * Waits up to `timeoutS` for items on `key` and takes up to `count` of them at once, oldest first
 * (producers LPUSH). `redis` must be a blocking connection of its own.
 */
export async function popBatch(redis: Redis, key: string, count: number, timeoutS: number): Promise<string[]> {
  const reply = (await redis.call('BLMPOP', timeoutS, 1, key, 'RIGHT', 'COUNT', count)) as [string, string[]] | null;
  return reply ? reply[1] : [];
}

/** What a tracer records of the Redis `commands` a service names (see Tracing.instrument): the command and its key. */
export function redisTracedCalls(commands: readonly string[]) {
  return {
    methods: commands,
    describe: (command: string, args: readonly unknown[]) => ({ name: command, tags: { 'redis.key': String(args[0]) } }),
  };
}
