import pino from 'pino';
import { createDiscovery } from '@sk/discovery';
import { authTokenVerifier, instanceId, serve } from '@sk/runtime';
import { ActivityBook, AnswerCounts, Blacklist, SoldOutFollower, redisKeys, relayShards } from '@sk/seckill';
import { createBlockingRedis, createRedis, isRedisReady } from '@sk/storage';
import { createTracing } from '@sk/tracing';
import { ZkSession } from '@sk/zookeeper';
import { GatewaySeal, Registry, connectionMetrics, exitOnCrash } from '@sk/http';
import { Admission } from './admission.js';
import { buildApp } from './app.js';
import { AutoBan } from './auto-ban.js';
import { relayMetrics } from './metrics.js';
import { readConfig } from './config.js';
import { RelayClient } from './relay.js';
import { Seckill } from './seckill.js';
import { SoldCounts } from './sold-counts.js';

exitOnCrash('sk-app');
const config = readConfig();
const keys = redisKeys(config.REDIS_PREFIX);
const redis = createRedis(config);
const subscriber = createBlockingRedis(config);
const zk = ZkSession.fromConfig(config);
const book = new ActivityBook(zk, config.ZK_ROOT);
const discovery = createDiscovery(config, () => zk);
const log = pino({ name: 'sk-app', level: config.LOG_LEVEL });

const registry = new Registry();
const metrics = relayMetrics(registry, () => relay);
connectionMetrics(registry, { redis: () => isRedisReady(redis), zookeeper: () => zk.connected });
const tracing = createTracing({ serviceName: 'sk-app', zipkinUrl: config.ZIPKIN_URL, sampleRate: config.ZIPKIN_SAMPLE_RATE });
// The relay's pushes on a connection of their own without auto-pipelining: an auto-pipelined
// client sends its next pipeline only once the last one is answered, so each turn's push would
// wait out the round trip of the one before it (and of any other command in flight).
const relayPushes = createRedis(config, { enableAutoPipelining: false });
const relay = new RelayClient(relayPushes, createBlockingRedis(config), keys, log, {
  tracing,
  instanceId: instanceId('sk-app', config),
  timeoutMs: config.RELAY_TIMEOUT_MS,
  maxPending: config.RELAY_MAX_PENDING,
  lists: keys.relayLists(relayShards(config)),
  maxDepth: Math.ceil((config.RELAY_DRAIN_PER_S * config.RELAY_TIMEOUT_MS) / 1000),
  observe: metrics.observe,
});
const seckill = new Seckill({
  book,
  relay,
  soldCounts: new SoldCounts(redis, keys),
  redis,
  keys,
  secret: config.SK_SECRET,
  secTimeWindowMs: config.SEC_TIME_WINDOW_MS,
});
const blacklist = new Blacklist(redis, subscriber, keys, log);
const autoBan =
  config.AUTO_BAN_MAX_REQUESTS > 0
    ? new AutoBan(redis, keys, blacklist, log, {
        maxRequests: config.AUTO_BAN_MAX_REQUESTS,
        windowMs: config.AUTO_BAN_WINDOW_MS,
        banMs: config.AUTO_BAN_DURATION_MS,
        exemptLoopback: config.AUTO_BAN_EXEMPT_LOOPBACK,
      })
    : undefined;
const answers = new AnswerCounts(book, redis, keys, log);
const app = buildApp({
  seckill,
  answers,
  verifier: authTokenVerifier(discovery, config.AUTH_URL),
  admission: new Admission(blacklist, autoBan, config.TRUSTED_PROXIES),
  ready: () => isRedisReady(redis) && book.loaded && blacklist.loaded,
  logLevel: config.LOG_LEVEL,
  registry,
  logRequests: config.LOG_REQUESTS,
  tracing,
  seal: new GatewaySeal(config.SK_SECRET),
});

const soldOutFollower = new SoldOutFollower(book, {
  subscriber,
  redis,
  keys,
  warn: (err) => app.log.warn({ err }, 'sold counts not read'),
  onStockReturned: ({ activity_id, user_ids }) => seckill.stockReturned(activity_id, user_ids),
});
book.on('warning', (err) => app.log.warn({ err }, 'activity watch'));
app.addHook('onClose', async () => {
  await relay.stop();
  autoBan?.stop();
  answers.stop();
  await answers.flush();
  blacklist.stop();
  soldOutFollower.stop();
  book.stop();
  zk.close();
  redis.disconnect();
  relayPushes.disconnect();
  subscriber.disconnect();
});

await book.start();
await soldOutFollower.start();
await blacklist.start();
autoBan?.start();
answers.start();
relay.start();
await serve('sk-app', app, config, discovery);
