import { Codes, SkError, createService, type ServiceDeps, type SkFastify } from '@sk/http';
import { requireRole, type TokenVerifier } from '@sk/identity';
import { OrderStore, SaleRestorer } from '@sk/orders';
import { redisKeys } from '@sk/seckill';
import { MysqlProbe, type Pool, type Redis } from '@sk/storage';
import type { ZkSession } from '@sk/zookeeper';
import { ActivityMirror, MirrorReconciler } from './activity-mirror.js';
import { ActivityService } from './activity-service.js';
import { ActivityStore } from './activity-store.js';
import { AuditLog } from './audit-log.js';
import { BlacklistService } from './blacklist-service.js';
import { BlacklistStore } from './blacklist-store.js';
import { documentBearer, openApi } from './openapi.js';
import type { OperatorCheck } from './operator-check.js';
import { OrderListing } from './order-listing.js';
import { ProductStore } from './product-store.js';
import { activityRoutes } from './routes/activities.js';
import { auditRoutes } from './routes/audit.js';
import { blacklistRoutes } from './routes/blacklist.js';
import { orderRoutes } from './routes/orders.js';
import { productRoutes } from './routes/products.js';
import { referenceRoutes } from './routes/reference.js';
import { refundRoutes } from './routes/refunds.js';
import { userRoutes } from './routes/users.js';
import { UserService } from './user-service.js';
import { UserStore } from './user-store.js';
import { WinnersReader } from './winners-reader.js';

export interface AppDeps extends ServiceDeps {
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
  /** Asks MySQL whether an admin token's user is still an operator; the token's word alone when absent (tests). */
  operators?: OperatorCheck;
}

/**
 * sk-admin in three layers: `routes/` (HTTP: schemas from `schemas/`, the envelope) call services
 * (the use cases), which call stores (the SQL); a resource with no rules beyond its table is
 * routed to its store directly.
 */
export function buildApp(deps: AppDeps): SkFastify {
  // Healthy while MySQL, the truth, answers; ZooKeeper down only leaves mirrors pending.
  const mysql = new MysqlProbe(deps.mysql);
  const app = createService('sk-admin', { ...deps, ready: () => mysql.healthy });

  // Stores: the SQL. Every operator change is committed together with its audit entry (AuditLog.change).
  const audit = new AuditLog(deps.mysql);
  const products = new ProductStore(deps.mysql, audit);
  const activityStore = new ActivityStore(deps.mysql);
  const userStore = new UserStore(deps.mysql);
  const blacklistStore = new BlacklistStore(deps.mysql);
  const orders = new OrderStore(deps.mysql);
  const listing = new OrderListing(deps.mysql);

  // Services: the use cases over the stores, and the copies in ZooKeeper and Redis kept in step with them.
  const keys = redisKeys(deps.redisPrefix);
  const reconciler = new MirrorReconciler(activityStore, new ActivityMirror(deps.zk, deps.zkRoot), app.log, {
    intervalMs: deps.mirrorIntervalMs,
  });
  const restorer = new SaleRestorer(deps.redis, keys, orders);
  const activities = new ActivityService(activityStore, reconciler, audit, deps.redis, keys, orders, restorer, app.log);
  const winners = new WinnersReader(activityStore, userStore, deps.redis, keys);
  const blacklist = new BlacklistService(blacklistStore, userStore, audit, deps.redis, keys, app.log, deps.blacklistSyncMs);
  const users = new UserService(userStore, blacklistStore, blacklist, audit);

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
    await admin.register(userRoutes, { prefix: '/admin/users', users });
    await admin.register(blacklistRoutes, { prefix: '/admin/blacklist', blacklist });
    await admin.register(auditRoutes, { prefix: '/admin/audit', audit });
    await admin.register(orderRoutes, { prefix: '/admin/orders', listing });
    await admin.register(refundRoutes, { prefix: '/admin/refunds', listing });
    await admin.register(referenceRoutes, { products, activities });
  });

  return app;
}
