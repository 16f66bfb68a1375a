// One gateway process: the whole gateway (GATEWAY_WORKERS=1), or one of the workers runWorkers starts.
import cluster from 'node:cluster';
import { loadConfigOrExit } from '@sk/config';
import { createDiscovery } from '@sk/discovery';
import { RemoteTokenChecker } from '@sk/identity';
import { CheckAnswerSeal, RpcClient, authServiceDefinition, checkTokenOver } from '@sk/rpc';
import { authTokenVerifier, serve } from '@sk/runtime';
import { ActivityBook, AnswerCounts, Blacklist, SoldOutFollower, redisKeys } from '@sk/seckill';
import { GatewaySeal, connectionMetrics, exitOnCrash } from '@sk/http';
import { createBlockingRedis, createRedis, isRedisReady } from '@sk/storage';
import { createTracing } from '@sk/tracing';
import { ZkSession } from '@sk/zookeeper';
import { buildApp } from './app.js';
import type { BreakerFactory } from './breakers.js';
import { configSchema } from './config.js';
import { loadLimits } from './limits.js';
import { SoldOutShortcut } from './sold-out.js';

// A cluster worker's entry (the primary, or the single process, installed it in main.ts).
if (cluster.isWorker) exitOnCrash('gateway');
const config = loadConfigOrExit('gateway', configSchema);
const limits = config.RATE_LIMITS === 'on' ? loadLimits(config.GATEWAY_LIMITS_FILE, config.TRUSTED_PROXIES) : undefined;

// ZooKeeper serves discovery (in zookeeper mode) and the activities the sold-out shortcut needs.
const needsZk = config.SK_DISCOVERY === 'zookeeper' || config.SOLD_OUT_AT_GATEWAY === 'on';
const zk = needsZk ? ZkSession.fromConfig(config) : undefined;
const discovery = createDiscovery(config, () => zk!);
await zk?.waitConnected();

let soldOut: SoldOutShortcut | undefined;
let soldOutFollower: SoldOutFollower | undefined;
let answers: AnswerCounts | undefined;
const keys = redisKeys(config.REDIS_PREFIX);
// Followed by the blacklist (a banned user's tokens stop at the edge) and, when on, the sold-out news.
const subscriber = createBlockingRedis(config);
const sharesLimits = limits?.rules.some((rule) => rule.shared) ?? false;
const redis = createRedis(config);
const blacklist = new Blacklist(redis, subscriber, keys, { warn: (details, message) => app.log.warn(details, message) });
if (zk && config.SOLD_OUT_AT_GATEWAY === 'on') {
  const book = new ActivityBook(zk, config.ZK_ROOT);
  await book.start();
  // Without it the gateway only forwards sold-out attempts to sk-app, which answers them itself.
  const warn = (err: unknown) => app.log.warn({ err }, 'sold-out news not followed');
  soldOutFollower = new SoldOutFollower(book, { subscriber, redis, keys, warn });
  void soldOutFollower.start().catch(warn);
  answers = new AnswerCounts(book, redis, keys, { warn: (details, message) => app.log.warn(details, message) });
  soldOut = new SoldOutShortcut(book, answers);
}

const tracing = createTracing({ serviceName: 'gateway', zipkinUrl: config.ZIPKIN_URL, sampleRate: config.ZIPKIN_SAMPLE_RATE });

// AUTH_MODE=rpc: CheckToken over channels kept open to each auth instance, behind the gateway's breakers.
let authRpc: RpcClient | undefined;
const rpcTokenChecker = (breakers: BreakerFactory) => {
  authRpc = new RpcClient({
    service: 'auth',
    definition: authServiceDefinition(),
    discovery,
    deadlineMs: config.AUTH_RPC_DEADLINE_MS,
    breaker: (instance, action) => breakers.create('auth-grpc', instance.id, action),
    ...(tracing ? { tracer: { trace: (call, send) => tracing.rpc(call, send) } } : {}),
  });
  void authRpc.watch().catch(() => {});
  return new RemoteTokenChecker(checkTokenOver(authRpc, new CheckAnswerSeal(config.SK_SECRET)));
};

const app = buildApp({
  discovery,
  logRequests: config.LOG_REQUESTS,
  killBatches: config.KILL_BATCHES === 'on',
  tracing,
  verifier: config.AUTH_MODE === 'rpc' ? rpcTokenChecker : authTokenVerifier(discovery, config.AUTH_URL),
  upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
  breakers: {
    errorThresholdPercentage: config.BREAKER_ERROR_PERCENT,
    volumeThreshold: config.BREAKER_VOLUME,
    resetTimeoutMs: config.BREAKER_RESET_MS,
    windowMs: config.BREAKER_WINDOW_MS,
  },
  bulkTimeoutMs: config.ADMIN_BULK_TIMEOUT_MS,
  logLevel: config.LOG_LEVEL,
  seal: new GatewaySeal(config.SK_SECRET),
  blacklist,
  ...(soldOut ? { soldOut } : {}),
  ...(limits ? { limits } : {}),
  ...(sharesLimits ? { sharedLimits: { redis, prefix: keys.rateLimits } } : {}),
});
connectionMetrics(app.metrics, {
  ...(zk ? { zookeeper: () => zk.connected } : {}),
  redis: () => isRedisReady(redis),
});
app.addHook('onClose', async () => {
  soldOutFollower?.stop();
  answers?.stop();
  await answers?.flush();
  blacklist.stop();
  subscriber.disconnect();
  redis.disconnect();
  authRpc?.close();
  zk?.close();
});
answers?.start();
// In the background: a gateway serves while Redis is down, with the bans it last heard of.
void blacklist.start().catch((err: unknown) => app.log.warn({ err }, 'blacklist not followed'));
await serve('gateway', app, config, discovery, { clusterWorker: cluster.isWorker });
