import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis, ReplyError, type RedisOptions } from 'ioredis';

/**
 * A Redis client that never queues commands forever while Redis is down: commands fail fast
 * (callers answer 503) and the client keeps reconnecting in the background.
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
    enableAutoPipelining: true,
    ...options,
  });
  // Connection errors are reported by commands and by the client's status; no crash on 'error'.
  redis.on('error', () => {});
  return redis;
}

/** A connection of its own for blocking pops and subscriptions: it must not pipeline or queue. */
export function createBlockingRedis(url: string): Redis {
  return createRedis(url, { enableAutoPipelining: false, maxRetriesPerRequest: null });
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
    await redis.script('LOAD', script.source);
    return redis.evalsha(script.sha, keys.length, ...keys, ...args);
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
  return { methods: commands, describe: (command: string, args: readonly unknown[]) => ({ name: command, tags: { 'redis.key': String(args[0]) } }) };
}
