/**
 * The tests' helpers, under one name: `import { isolate, Suite } from '@sk/test-support'`.
 * Test-only: no service imports it, and it imports no service (it starts them as processes).
 */
export { activity, bookWith, publishActivities, until } from './activities.js';
export { MYSQL_URL, REDIS_URL, ZK_HOSTS, isolate, removeTree, type Isolation, type IsolationOptions } from './infra.js';
export { clusterNodePid, clusterReady, shardOf } from './cluster.js';
export { orderRecord } from './orders.js';
export { answersCounted } from './metrics.js';
export { freePort, startService, type RunningService } from './processes.js';
export { PrivateRedis } from './redis.js';
export { spanCollector, type Span, type SpanCollector } from './spans.js';
export { Suite, pooled, type Answer, type Shopper, type SuiteShape } from './suite.js';
export { TcpRelay } from './tcp-relay.js';
export { TokenMint, type SignOptions } from './tokens.js';
export { PrivateZooKeeper } from './zookeeper.js';
