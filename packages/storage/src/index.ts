export {
  createRedis,
  createBlockingRedis,
  loadLua,
  evalScript,
  isRedisReady,
  isRedisReplyError,
  subscribe,
  popBatch,
  redisTracedCalls,
  type LuaScript,
  type Redis,
  type RedisTarget,
} from './redis.js';
export { ReplicaAcks, keySlot, replicaAckOptions, type ReplicaAckOptions } from './replication.js';
export { createMysql, migrate, MYSQL_TRACED_CALLS, type Pool } from './mysql.js';
export { MysqlProbe } from './mysql-probe.js';
export { inTransaction, type Tx } from './transaction.js';

/** The suite's MySQL schema, applied by `migrate` at the start of the services that own tables. */
export const MIGRATIONS_DIR = new URL('../migrations/', import.meta.url);
