import { createDiscovery } from '@sk/discovery';
import { Registry, connectionMetrics, exitOnCrash } from '@sk/http';
import { OrderStore, SaleRestorer, UnitReturns } from '@sk/orders';
import { authTokenVerifier, instanceId, serve } from '@sk/runtime';
import { ActivityBook, redisKeys } from '@sk/seckill';
import {
  MIGRATIONS_DIR,
  MYSQL_TRACED_CALLS,
  MysqlProbe,
  ReplicaAcks,
  createMysql,
  createRedis,
  isRedisReady,
  migrate,
  replicaAckOptions,
} from '@sk/storage';
import { createTracing } from '@sk/tracing';
import { ZkSession } from '@sk/zookeeper';
import { ActivityScope } from './activity-scope.js';
import { buildApp } from './app.js';
import { readConfig } from './config.js';
import { orderMetrics } from './metrics.js';
import { OrderExpiry } from './order-expiry.js';
import { OrderService } from './order-service.js';
import { OrderWriter } from './order-writer.js';
import { PaymentLedger } from './payments/payment-ledger.js';
import { SandboxProvider } from './payments/sandbox.js';
import { SaleLoader } from './sale-loader.js';

exitOnCrash('sk-order');
const config = readConfig();
const keys = redisKeys(config.REDIS_PREFIX);
const tracing = createTracing({ serviceName: 'sk-order', zipkinUrl: config.ZIPKIN_URL, sampleRate: config.ZIPKIN_SAMPLE_RATE });
const pool = await createMysql(config.MYSQL_URL);
await migrate(pool, MIGRATIONS_DIR);
const mysql = tracing ? tracing.instrument(pool, 'mysql', MYSQL_TRACED_CALLS) : pool;
const redis = createRedis(config);
const zk = ZkSession.fromConfig(config);
const book = new ActivityBook(zk, config.ZK_ROOT);
const discovery = createDiscovery(config, () => zk);

const store = new OrderStore(mysql);
const units = new UnitReturns(redis, keys, store);
const orders = new OrderService({
  store,
  units,
  ledger: new PaymentLedger(mysql, store),
  provider: new SandboxProvider(config.SK_SECRET),
  redis,
  keys,
});
const registry = new Registry();
const metrics = orderMetrics(registry, { store, redis, keys, scope: new ActivityScope(book) });
connectionMetrics(registry, { redis: () => isRedisReady(redis), zookeeper: () => zk.connected });
const probe = new MysqlProbe(pool);
const app = buildApp({
  orders,
  verifier: authTokenVerifier(discovery, config.AUTH_URL),
  ready: () => isRedisReady(redis) && probe.healthy && book.loaded,
  logLevel: config.LOG_LEVEL,
  registry,
  logRequests: config.LOG_REQUESTS,
  tracing,
});

// The writer on a connection of its own: its reads and acknowledgements never wait behind the routes' commands.
const writerRedis = createRedis(config);
const writer = new OrderWriter(writerRedis, keys, store, new ActivityScope(book), app.log, {
  consumer: instanceId('sk-order', config),
  batchSize: config.ORDER_BATCH_SIZE,
  pollMs: config.ORDER_POLL_MS,
  claimIdleMs: config.ORDER_CLAIM_IDLE_MS,
  stored: metrics.stored,
  replicaAcks: new ReplicaAcks(writerRedis, replicaAckOptions(config)),
});
const expiry = new OrderExpiry(redis, keys, store, units, new ActivityScope(book), app.log, {
  pollMs: config.EXPIRY_POLL_MS,
  sweepMs: config.EXPIRY_SWEEP_MS,
  expired: metrics.expired,
});
const loader = new SaleLoader(redis, keys, book, new SaleRestorer(redis, keys, store), app.log, config.LOAD_CHECK_MS);

book.on('warning', (err) => app.log.warn({ err }, 'activity watch'));
app.addHook('onClose', async () => {
  loader.stop();
  expiry.stop();
  await writer.stop();
  await units.flush();
  probe.stop();
  book.stop();
  zk.close();
  redis.disconnect();
  writerRedis.disconnect();
  await pool.end();
});

await probe.start();
await book.start();
writer.start();
expiry.start();
loader.start();
await serve('sk-order', app, config, discovery);
