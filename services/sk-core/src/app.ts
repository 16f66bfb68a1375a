import { createService, type ServiceDeps, type SkFastify } from '@sk/http';

/** (Its spans are the relay workers'; the app only gives them a logger.) */
export interface CoreAppDeps extends ServiceDeps {
  ready: () => boolean;
}

/** sk-core serves no shopper: only `/health` (and metrics) over HTTP; its work comes over Redis. */
export function buildApp(deps: CoreAppDeps): SkFastify {
  return createService('sk-core', deps);
}
