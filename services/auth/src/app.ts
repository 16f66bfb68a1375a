import { createService, type ServiceDeps, type SkFastify } from '@sk/http';
import { MysqlProbe, type Pool } from '@sk/storage';
import type { KeyRing } from './keys.js';
import { oauthRoutes } from './routes/oauth.js';
import type { TokenService } from './tokens.js';

export interface AppDeps extends ServiceDeps {
  pool: Pool;
  tokens: TokenService;
  keys: KeyRing;
}

export function buildApp(deps: AppDeps): SkFastify {
  const { pool, tokens, keys } = deps;
  const mysql = new MysqlProbe(pool);
  const app = createService('auth', { ...deps, ready: () => mysql.healthy });
  app.addHook('onReady', () => mysql.start());
  app.addHook('onClose', async () => mysql.stop());
  app.register(oauthRoutes, { tokens, keys });
  return app;
}
