import { createService, type Registry, type SkFastify } from '@sk/http';

export interface CoreAppDeps {
  logLevel?: string;
  ready: () => boolean;
  registry?: Registry;
}

/** sk-core serves no shopper: only `/health` (and metrics) over HTTP; its work comes over Redis. */
export function buildApp(deps: CoreAppDeps): SkFastify {
  return createService({ name: 'sk-core', logLevel: deps.logLevel ?? 'info', ready: deps.ready, ...(deps.registry ? { registry: deps.registry } : {}) });
}
