import { createDiscovery } from '@sk/discovery';
import { serve } from '@sk/runtime';
import { ActivityBook, SoldOutFollower, redisKeys, relayShards } from '@sk/seckill';
import { ReplicaAcks, createBlockingRedis, createRedis, isRedisReady, replicaAckOptions } from '@sk/storage';
import { createTracing } from '@sk/tracing';
import { ZkSession } from '@sk/zookeeper';
import { Registry, connectionMetrics, exitOnCrash } from '@sk/http';
import { buildApp } from './app.js';
import { batchMetrics, queueMetrics, stockMetrics } from './metrics.js';
import { readConfig } from './config.js';
import { Qualifier } from './qualifier.js';
import { RelayWorker } from './relay-worker.js';

exitOnCrash('sk-core');
const config = readConfig();
const keys = redisKeys(config.REDIS_PREFIX);
const redis = createRedis(config);
const subscriber = createBlockingRedis(config);
const zk = ZkSession.fromConfig(config);
const book = new ActivityBook(zk, config.ZK_ROOT);
const discovery = createDiscovery(config, () => zk);

const registry = new Registry();
const { observe, observeLua, unreplicated } = batchMetrics(registry);
stockMetrics(registry, book, redis, keys);
// Every list served by every instance: an sk-core that dies leaves no list without readers.
const relayLists = keys.relayLists(relayShards(config));
queueMetrics(registry, redis, relayLists);
connectionMetrics(registry, { redis: () => isRedisReady(redis), zookeeper: () => zk.connected });
const tracing = createTracing({ serviceName: 'sk-core', zipkinUrl: config.ZIPKIN_URL, sampleRate: config.ZIPKIN_SAMPLE_RATE });
const app = buildApp({
  logLevel: config.LOG_LEVEL,
  logRequests: config.LOG_REQUESTS,
  tracing,
  ready: () => isRedisReady(redis) && book.loaded,
  registry,
});
// One loop per list, each on connections of its own: an auto-pipelined client sends its next
// pipeline only once the last one is answered, so loops sharing one would take turns at Redis. One
// loop takes whatever is queued on its list in one pop: its batches are the largest (bench/README.md).
const workers = relayLists.map((list) => {
  const commands = createRedis(config);
  const replicaAcks = new ReplicaAcks(commands, replicaAckOptions(config));
  const qualifier = new Qualifier(commands, book, keys, { secret: config.SK_SECRET, observeLua, replicaAcks, unreplicated });
  return new RelayWorker(createBlockingRedis(config), commands, qualifier, list, app.log, {
    batchSize: config.CORE_BATCH_SIZE,
    observe,
    tracing,
  });
});

const soldOutFollower = new SoldOutFollower(book, {
  subscriber,
  redis,
  keys,
  warn: (err) => app.log.warn({ err }, 'sold counts not read'),
});
book.on('warning', (err) => app.log.warn({ err }, 'activity watch'));
app.addHook('onClose', async () => {
  await Promise.all(workers.map((w) => w.stop()));
  soldOutFollower.stop();
  book.stop();
  zk.close();
  redis.disconnect();
  subscriber.disconnect();
});

await book.start();
await soldOutFollower.start();
for (const worker of workers) worker.start();
await serve('sk-core', app, config, discovery);
