import { RoundRobinBalancer, type Balancer, type Discovery } from '@sk/discovery';
import { createService, type SkFastify } from '@sk/http';
import type { TokenVerifier } from '@sk/identity';
import { Forwarder } from './proxy.js';
import type { SoldOutShortcut } from './sold-out.js';
import { UPSTREAM_ROUTES, upstreamRoutes } from './routes/upstream.js';
import { Upstreams } from './upstreams.js';

export interface GatewayDeps {
  discovery: Discovery;
  verifier: TokenVerifier;
  balancer?: Balancer;
  /** Bound on each upstream request (see UPSTREAM_TIMEOUT_MS). */
  upstreamTimeoutMs: number;
  /** For the bulk user import; defaults to ten minutes. */
  bulkTimeoutMs?: number;
  logLevel?: string;
  /** Answers sold-out attempts without a hop; off when absent. */
  soldOut?: SoldOutShortcut;
}

/** The gateway: its own /health, and /oauth, /sec, /admin forwarded after the identity check. */
export function buildApp({ discovery, verifier, balancer = new RoundRobinBalancer(), upstreamTimeoutMs, bulkTimeoutMs = 600_000, logLevel, soldOut }: GatewayDeps): SkFastify {
  const app = createService({ name: 'gateway', logLevel, ready: () => discovery.connected });
  const upstreams = new Upstreams(discovery, balancer, { timeoutMs: upstreamTimeoutMs });
  const forwarder = new Forwarder(upstreams, app.log);

  app.addHook('onReady', () => upstreams.watch(UPSTREAM_ROUTES.map((r) => r.service)));
  app.addHook('onClose', () => upstreams.close());
  app.register(upstreamRoutes, { forwarder, verifier, bulkTimeoutMs, soldOut });
  return app;
}
