import { createService, type ServiceDeps, type SkFastify } from '@sk/http';
import type { TokenVerifier } from '@sk/identity';
import type { OrderService } from './order-service.js';
import { orderRoutes } from './routes/orders.js';
import { paymentRoutes } from './routes/payments.js';

export interface OrderAppDeps extends ServiceDeps {
  orders: OrderService;
  verifier: TokenVerifier;
  ready: () => boolean;
}

/** sk-order's HTTP side: shoppers' orders and providers' payment notifications. Its writer, expiry and loader run beside it (main.ts). */
export function buildApp(deps: OrderAppDeps): SkFastify {
  const app = createService('sk-order', deps);
  app.register(orderRoutes, { orders: deps.orders, verifier: deps.verifier });
  app.register(paymentRoutes, { orders: deps.orders });
  return app;
}
