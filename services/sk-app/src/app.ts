import type { AnswerCounts } from '@sk/seckill';
import { createService, type GatewaySeal, type Registry, type SkFastify } from '@sk/http';
import type { TokenVerifier } from '@sk/identity';
import type { Tracing } from '@sk/tracing';
import type { Admission } from './admission.js';
import { secRoutes } from './routes/sec.js';
import type { Seckill } from './seckill.js';

export interface AppDeps {
  seckill: Seckill;
  verifier: TokenVerifier;
  admission: Admission;
  /** Counts /sec/kill answers per activity and code. */
  answers: AnswerCounts;
  ready: () => boolean;
  logLevel?: string;
  registry?: Registry;
  /** Server spans when the service traces (ZIPKIN_URL). */
  tracing?: Tracing | undefined;
  /** A log line per answer (LOG_REQUESTS). */
  logRequests?: boolean;
  /** Checks that each sale request came through a gateway (from SK_SECRET); unchecked when absent. */
  seal?: GatewaySeal;
}

export function buildApp(deps: AppDeps): SkFastify {
  const app = createService({
    name: 'sk-app',
    logLevel: deps.logLevel ?? 'info',
    ready: deps.ready,
    tracing: deps.tracing,
    logRequests: deps.logRequests,
    ...(deps.registry ? { registry: deps.registry } : {}),
  });
  app.register(secRoutes, {
    seckill: deps.seckill,
    verifier: deps.verifier,
    admission: deps.admission,
    answers: deps.answers,
    seal: deps.seal,
  });
  return app;
}
