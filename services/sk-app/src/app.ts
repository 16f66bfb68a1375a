import type { AnswerCounts } from '@sk/seckill';
import { createService, type GatewaySeal, type ServiceDeps, type SkFastify } from '@sk/http';
import type { TokenVerifier } from '@sk/identity';
import type { Admission } from './admission.js';
import { secRoutes } from './routes/sec.js';
import type { Seckill } from './seckill.js';

export interface AppDeps extends ServiceDeps {
  seckill: Seckill;
  verifier: TokenVerifier;
  admission: Admission;
  /** Counts /sec/kill answers per activity and code. */
  answers: AnswerCounts;
  ready: () => boolean;
  /** Checks that each sale request came through a gateway (from SK_SECRET); unchecked when absent. */
  seal?: GatewaySeal;
}

export function buildApp(deps: AppDeps): SkFastify {
  const app = createService('sk-app', deps);
  app.register(secRoutes, {
    seckill: deps.seckill,
    verifier: deps.verifier,
    admission: deps.admission,
    answers: deps.answers,
    seal: deps.seal,
  });
  return app;
}
