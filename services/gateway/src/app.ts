import { SmoothWeightedBalancer, type Balancer, type Discovery } from '@sk/discovery';
import { SkError, createService, type GatewaySeal, type ServiceDeps, type SkFastify } from '@sk/http';
import type { TokenChecker } from '@sk/identity';
import type { Blacklist } from '@sk/seckill';
import type { Tracing } from '@sk/tracing';
import { BreakerFactory, DEFAULT_BREAKER_OPTIONS, type BreakerOptions } from './breakers.js';
import { nonCanonical } from './canonical-path.js';
import { RequestLimits, type LimitsConfig } from './limits.js';
import type { Redis } from '@sk/storage';
import { KillBatches } from './kill-batches.js';
import { Forwarder, MAX_CLIENT_HEADER_BYTES, headersTooLarge, sendOver } from './proxy.js';
import type { SoldOutShortcut } from './sold-out.js';
import { UPSTREAM_ROUTES, upstreamRoutes } from './routes/upstream.js';
import { Upstreams } from './upstreams.js';

export interface GatewayDeps extends ServiceDeps {
  discovery: Discovery;
  /** Checks bearer tokens; made from the gateway's breakers when it calls auth (AUTH_MODE=rpc). */
  verifier: TokenChecker | ((breakers: BreakerFactory) => TokenChecker);
  balancer?: Balancer;
  /** Bound on each upstream request (see UPSTREAM_TIMEOUT_MS). */
  upstreamTimeoutMs: number;
  /** Settings of each upstream instance's circuit breaker. */
  breakers?: BreakerOptions;
  /** For the bulk user import; defaults to ten minutes. */
  bulkTimeoutMs?: number;
  /** Rate limits (deploy/gateway-limits.json); none when absent. */
  limits?: LimitsConfig;
  /** Where shared rate limits keep their buckets (needed when a rule is shared). */
  sharedLimits?: { redis: Redis; prefix: string };
  /** Answers sold-out attempts without a hop; off when absent. */
  soldOut?: SoldOutShortcut;
  /** Server spans, and a client span per upstream call; none when absent. */
  tracing?: Tracing | undefined;
  /** Unsampled kills of one event-loop turn go to sk-app as one request (KILL_BATCHES). */
  killBatches?: boolean;
  /** Seals what the gateway forwards (from SK_SECRET): the services behind it take nothing else. */
  seal?: GatewaySeal;
  /** A banned user's tokens stop at the edge (403/1109) once the ban is heard of; none checked when absent. */
  blacklist?: Pick<Blacklist, 'blocks'>;
}

const HEADERS_TOO_LARGE = { field: 'headers', message: `larger than ${MAX_CLIENT_HEADER_BYTES} bytes` };

// How often the sold-out answers given from memory are summed up in the log.
const SOLD_OUT_REPORT_MS = 10_000;

/** The gateway: its own /health, and /oauth, /sec, /admin forwarded after the identity check. */
export function buildApp(deps: GatewayDeps): SkFastify {
  const { discovery, balancer = new SmoothWeightedBalancer(), upstreamTimeoutMs, bulkTimeoutMs = 600_000, soldOut } = deps;
  const app = createService('gateway', { ...deps, ready: () => discovery.connected });
  const breakers = new BreakerFactory(deps.breakers ?? DEFAULT_BREAKER_OPTIONS, app.metrics, app.log);
  const verifier = typeof deps.verifier === 'function' ? deps.verifier(breakers) : deps.verifier;
  const upstreams = new Upstreams(discovery, balancer, breakers, sendOver, { timeoutMs: upstreamTimeoutMs });
  const forwarder = new Forwarder(upstreams, app.log, deps.tracing, deps.seal);
  const shared = deps.sharedLimits && {
    ...deps.sharedLimits,
    onError: (err: unknown) => app.log.warn({ err }, 'shared rate limit not checked (Redis unreachable); request let through'),
  };
  const limits = deps.limits && new RequestLimits(deps.limits, app.metrics, Date.now, shared);
  const sweeper = limits && setInterval(() => limits.sweep(), 10_000).unref();
  const reportSoldOut = () => {
    const answered = soldOut?.takeAnswered();
    if (answered?.size)
      app.log.info({ answered: Object.fromEntries(answered) }, 'attempts answered sold out from memory, by activity (no line each)');
  };
  const soldOutReporter = soldOut && setInterval(reportSoldOut, SOLD_OUT_REPORT_MS).unref();

  app.addHook('onReady', () => upstreams.watch(UPSTREAM_ROUTES.map((r) => r.service)));
  app.addHook('onClose', () => {
    clearInterval(sweeper);
    clearInterval(soldOutReporter);
    reportSoldOut();
    return upstreams.close();
  });
  // Judged once, first: every rule after this sees the path the router and the upstream will.
  app.addHook('onRequest', (req, _reply, done) => {
    const reason = nonCanonical(req.url);
    const refused =
      reason !== undefined ? { field: 'path', message: reason } : headersTooLarge(req.raw.rawHeaders) ? HEADERS_TOO_LARGE : undefined;
    done(refused && SkError.invalid([refused]));
  });
  const killBatches = deps.killBatches ? new KillBatches((request) => forwarder.forward('sk-app', request)) : undefined;
  app.register(import('./pages.js'));
  app.register(upstreamRoutes, { forwarder, verifier, bulkTimeoutMs, soldOut, limits, killBatches, blacklist: deps.blacklist });
  return app;
}
