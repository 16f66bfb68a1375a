import { Codes, SkError, createService, type SkFastify } from '@sk/http';
import { requireRole, type TokenVerifier } from '@sk/identity';
import { OrderStore, SaleRestorer } from '@sk/orders';
import { redisKeys } from '@sk/seckill';
import { MysqlProbe, type Pool, type Redis } from '@sk/storage';
import type { ZkSession } from '@sk/zookeeper';
import type { Tracing } from '@sk/tracing';
import { ActivityStore } from './activities.js';
import { ActivityService } from './activity-service.js';
import { AuditLog } from './audit.js';
import { BlacklistService } from './blacklist.js';
import { ActivityMirror, MirrorReconciler } from './mirror.js';
import { documentBearer, openApi } from './openapi.js';
import type { OperatorCheck } from './operators.js';
import { OrderListing } from './orders.js';
import { ProductStore } from './products.js';
import { referenceRoutes } from './reference-routes.js';
import { activityRoutes } from './routes/activities.js';
import { auditRoutes } from './routes/audit.js';
import { blacklistRoutes } from './routes/blacklist.js';
import { orderRoutes } from './routes/orders.js';
import { productRoutes } from './routes/products.js';
import { refundRoutes } from './routes/refunds.js';
import { userRoutes } from './routes/users.js';
import { UserStore } from './users.js';
import { WinnersReader } from './winners.js';

export interface AppDeps {
  mysql: Pool;
  redis: Redis;
  zk: ZkSession;
  /** Checks admin tokens itself: no header set by a proxy is trusted. */
  verifier: TokenVerifier;
  redisPrefix: string;
  zkRoot: string;
  mirrorIntervalMs: number;
  /** How often Redis's copy of the operators' blacklists is compared with MySQL's and repaired. */
  blacklistSyncMs: number;
  logLevel?: string;
  /** Server spans when the service traces (ZIPKIN_URL). */
  tracing?: Tracing | undefined;
  /** A log line per answer (LOG_REQUESTS). */
  logRequests?: boolean;
  /** Asks MySQL whether an admin token's user is still an operator; the token's word alone when absent (tests). */
  operators?: OperatorCheck;
}

export function buildApp(deps: AppDeps): SkFastify {
  // Healthy while MySQL, the truth, answers; ZooKeeper down only leaves mirrors pending.
  const mysql = new MysqlProbe(deps.mysql);
  const app = createService({ name: 'sk-admin', logLevel: deps.logLevel, ready: () => mysql.healthy, tracing: deps.tracing, logRequests: deps.logRequests });

  // Every operator change is committed together with its audit entry (AuditLog.change).
  const audit = new AuditLog(deps.mysql);
  const products = new ProductStore(deps.mysql, audit);
  const store = new ActivityStore(deps.mysql);
  const reconciler = new MirrorReconciler(store, new ActivityMirror(deps.zk, deps.zkRoot), app.log, {
    intervalMs: deps.mirrorIntervalMs,
  });
  const keys = redisKeys(deps.redisPrefix);
  const orders = new OrderStore(deps.mysql);
  const restorer = new SaleRestorer(deps.redis, keys, orders);
  const activities = new ActivityService(store, reconciler, audit, deps.redis, keys, orders, restorer, app.log);
  const listing = new OrderListing(deps.mysql);
  const users = new UserStore(deps.mysql, audit);
  const blacklist = new BlacklistService(deps.mysql, audit, deps.redis, keys, app.log, deps.blacklistSyncMs);
  const winners = new WinnersReader(store, deps.mysql, deps.redis, keys);

  app.addHook('onReady', async () => {
    await mysql.start();
    reconciler.start();
    blacklist.start();
  });
  app.addHook('onClose', async () => {
    mysql.stop();
    blacklist.stop();
    await reconciler.stop();
  });

  openApi(app);
  app.register(async (admin) => {
    // onRequest: refused before the body is even read.
    admin.addHook('onRequest', requireRole(deps.verifier, 'admin'));
    const { operators } = deps;
    if (operators) {
      admin.addHook('onRequest', async (req) => {
        if (!(await operators.isOperator(req.identity!.userId))) throw new SkError(Codes.FORBIDDEN, 'no longer an operator');
      });
    }
    documentBearer(admin);
    await admin.register(productRoutes, { prefix: '/admin/products', products });
    await admin.register(activityRoutes, { prefix: '/admin/activities', activities, winners });
    await admin.register(userRoutes, { prefix: '/admin/users', users, blacklist });
    await admin.register(blacklistRoutes, { prefix: '/admin/blacklist', blacklist });
    await admin.register(auditRoutes, { prefix: '/admin/audit', audit });
    await admin.register(orderRoutes, { prefix: '/admin/orders', listing });
    await admin.register(refundRoutes, { prefix: '/admin/refunds', listing });
    await admin.register(referenceRoutes, { products, activities });
  });

  return app;
}
