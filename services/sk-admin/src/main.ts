import { loadConfig } from '@sk/config';
import { createDiscovery } from '@sk/discovery';
import { authTokenVerifier, serve } from '@sk/runtime';
import { connectionMetrics } from '@sk/http';
import { MIGRATIONS_DIR, createMysql, createRedis, isRedisReady, migrate } from '@sk/storage';
import { createTracing } from '@sk/tracing';
import { ZkSession } from '@sk/zookeeper';
import { buildApp } from './app.js';
import { configSchema } from './config.js';

const config = loadConfig(configSchema);

const mysql = await createMysql(config.MYSQL_URL);
await migrate(mysql, MIGRATIONS_DIR);
const redis = createRedis(config.REDIS_URL);
const zk = new ZkSession({ hosts: config.ZK_HOSTS, sessionTimeoutMs: config.ZK_SESSION_TIMEOUT_MS });
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
  tracing: createTracing({ serviceName: 'sk-admin', zipkinUrl: config.ZIPKIN_URL, sampleRate: config.ZIPKIN_SAMPLE_RATE }),
});
connectionMetrics(app.metrics, { redis: () => isRedisReady(redis), zookeeper: () => zk.connected });
app.addHook('onClose', async () => {
  zk.close();
  redis.disconnect();
  await mysql.end();
});

await serve('sk-admin', app, config, discovery);

