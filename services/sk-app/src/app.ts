import { createService, type Registry, type SkFastify } from '@sk/http';
import type { TokenVerifier } from '@sk/identity';
import type { Admission } from './admission.js';
import { secRoutes } from './routes/sec.js';
import type { Seckill } from './seckill.js';

export interface AppDeps {
  seckill: Seckill;
  verifier: TokenVerifier;
  admission: Admission;
  ready: () => boolean;
  logLevel?: string;
  registry?: Registry;
}

export function buildApp(deps: AppDeps): SkFastify {
  const app = createService({ name: 'sk-app', logLevel: deps.logLevel ?? 'info', ready: deps.ready, ...(deps.registry ? { registry: deps.registry } : {}) });
  app.register(secRoutes, { seckill: deps.seckill, verifier: deps.verifier, admission: deps.admission });
  return app;
}
