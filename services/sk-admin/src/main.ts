import { loadConfigOrExit } from '@sk/config';
import { createDiscovery } from '@sk/discovery';
import { authTokenVerifier, serve } from '@sk/runtime';
import { connectionMetrics, exitOnCrash } from '@sk/http';
import { MIGRATIONS_DIR, MYSQL_TRACED_CALLS, createMysql, createRedis, isRedisReady, migrate, redisTracedCalls } from '@sk/storage';
import { createTracing } from '@sk/tracing';
import { ZK_TRACED_CALLS, ZkSession } from '@sk/zookeeper';
import { buildApp } from './app.js';
import { OperatorCheck } from './operator-check.js';
import { configSchema } from './config.js';

exitOnCrash('sk-admin');
const config = loadConfigOrExit('sk-admin', configSchema);

const tracing = createTracing({ serviceName: 'sk-admin', zipkinUrl: config.ZIPKIN_URL, sampleRate: config.ZIPKIN_SAMPLE_RATE });
const pool = await createMysql(config.MYSQL_URL);
await migrate(pool, MIGRATIONS_DIR);
const redisClient = createRedis(config);
const zkSession = ZkSession.fromConfig(config);
// Traced where a request waits on them: its queries, its reads of live counts, its mirror writes.
const mysql = tracing ? tracing.instrument(pool, 'mysql', MYSQL_TRACED_CALLS) : pool;
const redis = tracing ? tracing.instrument(redisClient, 'redis', redisTracedCalls(['get', 'hgetall'])) : redisClient;
const zk = tracing ? tracing.instrument(zkSession, 'zookeeper', ZK_TRACED_CALLS) : zkSession;
const discovery = createDiscovery(config, () => zk);
const verifier = authTokenVerifier(discovery, config.AUTH_URL);

const app = buildApp({
  mysql,
  redis,
  zk,
  verifier,
  redisPrefix: config.REDIS_PREFIX,
  zkRoot: config.ZK_ROOT,
  mirrorIntervalMs: config.MIRROR_INTERVAL_MS,
  blacklistSyncMs: config.BLACKLIST_SYNC_MS,
  logLevel: config.LOG_LEVEL,
  logRequests: config.LOG_REQUESTS,
  tracing,
  operators: new OperatorCheck(mysql),
});
connectionMetrics(app.metrics, { redis: () => isRedisReady(redis), zookeeper: () => zk.connected });
app.addHook('onClose', async () => {
  zk.close();
  redis.disconnect();
  await mysql.end();
});

await serve('sk-admin', app, config, discovery);
