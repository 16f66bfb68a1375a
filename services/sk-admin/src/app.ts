import { createService, type SkFastify } from '@sk/http';
import { requireRole, type TokenVerifier } from '@sk/identity';
import { redisKeys } from '@sk/seckill';
import type { Pool, Redis } from '@sk/storage';
import type { ZkSession } from '@sk/zookeeper';
import { ActivityStore } from './activities.js';
import { ActivityService } from './activity-service.js';
import { ActivityMirror, MirrorReconciler } from './mirror.js';
import { ProductStore } from './products.js';
import { referenceRoutes } from './reference-routes.js';
import { activityRoutes } from './routes/activities.js';
import { productRoutes } from './routes/products.js';
import { userRoutes } from './routes/users.js';
import { UserStore } from './users.js';

export interface AppDeps {
  mysql: Pool;
  redis: Redis;
  zk: ZkSession;
  /** Checks admin tokens itself: no header set by a proxy is trusted. */
  verifier: TokenVerifier;
  redisPrefix: string;
  zkRoot: string;
  mirrorIntervalMs: number;
  logLevel?: string;
}

export function buildApp(deps: AppDeps): SkFastify {
  // Healthy while MySQL, the truth, answers; ZooKeeper down only leaves mirrors pending.
  const app = createService({ name: 'sk-admin', logLevel: deps.logLevel, ready: () => reachable(deps.mysql) });

  const products = new ProductStore(deps.mysql);
  const store = new ActivityStore(deps.mysql);
  const reconciler = new MirrorReconciler(store, new ActivityMirror(deps.zk, deps.zkRoot), app.log, {
    intervalMs: deps.mirrorIntervalMs,
  });
  const activities = new ActivityService(store, reconciler, deps.redis, redisKeys(deps.redisPrefix));
  const users = new UserStore(deps.mysql);

  app.addHook('onReady', async () => reconciler.start());
  app.addHook('onClose', () => reconciler.stop());

  app.register(async (admin) => {
    // onRequest: refused before the body is even read.
    admin.addHook('onRequest', requireRole(deps.verifier, 'admin'));
    await admin.register(productRoutes, { prefix: '/admin/products', products });
    await admin.register(activityRoutes, { prefix: '/admin/activities', activities });
    await admin.register(userRoutes, { prefix: '/admin/users', users });
    await admin.register(referenceRoutes, { products, activities });
  });

  return app;
}

async function reachable(mysql: Pool): Promise<boolean> {
  try {
    await mysql.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
