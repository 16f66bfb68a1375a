import { loadConfig } from '@sk/config';
import { createDiscovery, type Discovery } from '@sk/discovery';
import { TokenVerifier, httpJwksSource } from '@sk/identity';
import { serve } from '@sk/runtime';
import { MIGRATIONS_DIR, createMysql, createRedis, migrate } from '@sk/storage';
import { ZkSession } from '@sk/zookeeper';
import { buildApp } from './app.js';
import { configSchema, type Config } from './config.js';

const config = loadConfig(configSchema);

const mysql = await createMysql(config.MYSQL_URL);
await migrate(mysql, MIGRATIONS_DIR);
const redis = createRedis(config.REDIS_URL);
const zk = new ZkSession({ hosts: config.ZK_HOSTS, sessionTimeoutMs: config.ZK_SESSION_TIMEOUT_MS });
const discovery = createDiscovery(config, () => zk);
const verifier = new TokenVerifier(httpJwksSource(authUrls(config, discovery)));

const app = buildApp({
  mysql,
  redis,
  zk,
  verifier,
  redisPrefix: config.REDIS_PREFIX,
  zkRoot: config.ZK_ROOT,
  mirrorIntervalMs: config.MIRROR_INTERVAL_MS,
  logLevel: config.LOG_LEVEL,
});
app.addHook('onClose', async () => {
  zk.close();
  redis.disconnect();
  await mysql.end();
});

if (!config.AUTH_URL) discovery.watch('auth').catch((err) => app.log.error({ err }, 'watching auth instances failed'));

await serve('sk-admin', app, config, discovery);

/** Where token keys come from: AUTH_URL, else whichever auth instances discovery knows now. */
function authUrls(config: Config, discovery: Discovery): () => string[] {
  const authUrl = config.AUTH_URL;
  if (authUrl) return () => [authUrl];
  return () => discovery.instances('auth').map((i) => `http://${i.host}:${i.port}`);
}
