import { createDiscovery, type Discovery } from '@sk/discovery';
import { GatewaySeal, connectionMetrics, createLogger, type SkFastify, type WarnLog } from '@sk/http';
import { RemoteTokenChecker } from '@sk/identity';
import { CheckAnswerSeal, RpcClient, authServiceDefinition, checkTokenOver } from '@sk/rpc';
import { authTokenVerifier } from '@sk/runtime';
import { ActivityBook, AnswerCounts, Blacklist, SoldOutFollower, redisKeys, type RedisKeys } from '@sk/seckill';
import { createBlockingRedis, createRedis, isRedisReady, type Redis } from '@sk/storage';
import { createTracing } from '@sk/tracing';
import { ZkSession } from '@sk/zookeeper';
import { buildApp } from './app.js';
import type { BreakerFactory } from './breakers.js';
import type { GatewayConfig } from './config.js';
import { loadLimits } from './limits.js';
import { SoldOutShortcut } from './sold-out.js';

/** A started gateway: closing its app closes every connection startGateway made. */
export interface Gateway {
  app: SkFastify;
  /** Where the gateway registers; serve leaves it on shutdown. */
  discovery: Discovery;
}

/**
 * One gateway process, the whole gateway (GATEWAY_WORKERS=1) or one of the workers runWorkers
 * starts: connects to ZooKeeper, Redis and discovery, follows the blacklist and the sold-out news,
 * and builds the app over them, ready to serve.
 */
export async function startGateway(config: GatewayConfig): Promise<Gateway> {
  // The followers' warnings: they are made before the app, whose logger writes the rest.
  const log = createLogger('gateway', config.LOG_LEVEL);
  const limits = config.RATE_LIMITS === 'on' ? loadLimits(config.GATEWAY_LIMITS_FILE, config.TRUSTED_PROXIES) : undefined;

  // ZooKeeper serves discovery (in zookeeper mode) and the activities the sold-out shortcut needs.
  const needsZk = config.SK_DISCOVERY === 'zookeeper' || config.SOLD_OUT_AT_GATEWAY === 'on';
  const zk = needsZk ? ZkSession.fromConfig(config) : undefined;
  const discovery = createDiscovery(config, () => zk!);
  await zk?.waitConnected();

  const keys = redisKeys(config.REDIS_PREFIX);
  // Followed by the blacklist (a banned user's tokens stop at the edge) and, when on, the sold-out news.
  const subscriber = createBlockingRedis(config);
  const sharesLimits = limits?.rules.some((rule) => rule.shared) ?? false;
  const redis = createRedis(config);
  const blacklist = new Blacklist(redis, subscriber, keys, log);
  const soldOut =
    zk && config.SOLD_OUT_AT_GATEWAY === 'on' ? await followSoldOut(zk, config.ZK_ROOT, { subscriber, redis, keys }, log) : undefined;

  const tracing = createTracing({ serviceName: 'gateway', zipkinUrl: config.ZIPKIN_URL, sampleRate: config.ZIPKIN_SAMPLE_RATE });

  // AUTH_MODE=rpc: CheckToken over channels kept open to each auth instance, behind the gateway's
  // breakers; buildApp makes those, so the client is made when buildApp asks for the checker.
  let authRpc: RpcClient | undefined;
  const rpcTokenChecker = (breakers: BreakerFactory) => {
    authRpc = new RpcClient({
      service: 'auth',
      definition: authServiceDefinition(),
      discovery,
      deadlineMs: config.AUTH_RPC_DEADLINE_MS,
      breaker: (instance, action) => breakers.create('auth-grpc', instance.id, action),
      tracer: tracing && { trace: (call, send) => tracing.rpc(call, send) },
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
    soldOut: soldOut?.shortcut,
    limits,
    sharedLimits: sharesLimits ? { redis, prefix: keys.rateLimits } : undefined,
  });
  connectionMetrics(app.metrics, {
    ...(zk ? { zookeeper: () => zk.connected } : {}),
    redis: () => isRedisReady(redis),
  });
  app.addHook('onClose', async () => {
    soldOut?.follower.stop();
    soldOut?.answers.stop();
    await soldOut?.answers.flush();
    blacklist.stop();
    subscriber.disconnect();
    redis.disconnect();
    authRpc?.close();
    zk?.close();
  });
  soldOut?.answers.start();
  // In the background: a gateway serves while Redis is down, with the bans it last heard of.
  void blacklist.start().catch((err: unknown) => log.warn({ err }, 'blacklist not followed'));
  return { app, discovery };
}

/**
 * What the sold-out shortcut answers from: the activities in ZooKeeper and sk-core's sold-out news
 * over Redis. Without it the gateway only forwards sold-out attempts to sk-app, which answers them itself.
 */
async function followSoldOut(
  zk: ZkSession,
  zkRoot: string,
  { subscriber, redis, keys }: { subscriber: Redis; redis: Redis; keys: RedisKeys },
  log: WarnLog,
) {
  const book = new ActivityBook(zk, zkRoot);
  await book.start();
  const warn = (err: unknown) => log.warn({ err }, 'sold-out news not followed');
  const follower = new SoldOutFollower(book, { subscriber, redis, keys, warn });
  void follower.start().catch(warn);
  const answers = new AnswerCounts(book, redis, keys, log);
  return { shortcut: new SoldOutShortcut(book, answers), follower, answers };
}
