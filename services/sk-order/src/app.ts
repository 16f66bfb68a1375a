import { createService, type Registry, type SkFastify } from '@sk/http';
import type { TokenVerifier } from '@sk/identity';
import type { Tracing } from '@sk/tracing';
import type { OrderService } from './order-service.js';
import { orderRoutes } from './routes/orders.js';
import { paymentRoutes } from './routes/payments.js';

export interface OrderAppDeps {
  orders: OrderService;
  verifier: TokenVerifier;
  ready: () => boolean;
  logLevel?: string;
  registry?: Registry;
  /** Server spans when the service traces (ZIPKIN_URL). */
  tracing?: Tracing | undefined;
  /** A log line per answer (LOG_REQUESTS). */
  logRequests?: boolean;
}

/** sk-order's HTTP side: shoppers' orders and providers' payment notifications. Its writer, expiry and loader run beside it (main.ts). */
export function buildApp(deps: OrderAppDeps): SkFastify {
  const app = createService({
    name: 'sk-order',
    logLevel: deps.logLevel ?? 'info',
    ready: deps.ready,
    tracing: deps.tracing,
    logRequests: deps.logRequests,
    ...(deps.registry ? { registry: deps.registry } : {}),
  });
  app.register(orderRoutes, { orders: deps.orders, verifier: deps.verifier });
  app.register(paymentRoutes, { orders: deps.orders });
  return app;
}
