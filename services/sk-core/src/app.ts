import { createService, type Registry, type SkFastify } from '@sk/http';
import type { Tracing } from '@sk/tracing';

export interface CoreAppDeps {
  logLevel?: string;
  ready: () => boolean;
  registry?: Registry;
  /** A log line per answer (LOG_REQUESTS). */
  logRequests?: boolean;
  /** Its spans are the relay workers'; the app only gives them a logger. */
  tracing?: Tracing | undefined;
}

/** sk-core serves no shopper: only `/health` (and metrics) over HTTP; its work comes over Redis. */
export function buildApp(deps: CoreAppDeps): SkFastify {
  return createService({
    name: 'sk-core',
    logLevel: deps.logLevel ?? 'info',
    ready: deps.ready,
    logRequests: deps.logRequests,
    tracing: deps.tracing,
    ...(deps.registry ? { registry: deps.registry } : {}),
  });
}
