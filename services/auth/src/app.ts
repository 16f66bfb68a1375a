import { createService, type SkFastify } from '@sk/http';
import { MysqlProbe, type Pool } from '@sk/storage';
import type { Tracing } from '@sk/tracing';
import type { KeyRing } from './keys.js';
import { oauthRoutes } from './routes/oauth.js';
import type { TokenService } from './tokens.js';

export interface AppDeps {
  pool: Pool;
  tokens: TokenService;
  keys: KeyRing;
  logLevel?: string;
  /** Server spans when the service traces (ZIPKIN_URL). */
  tracing?: Tracing | undefined;
  /** A log line per answer (LOG_REQUESTS). */
  logRequests?: boolean;
}

export function buildApp({ pool, tokens, keys, logLevel, tracing, logRequests }: AppDeps): SkFastify {
  const mysql = new MysqlProbe(pool);
  const app = createService({ name: 'auth', logLevel, ready: () => mysql.healthy, tracing, logRequests });
  app.addHook('onReady', () => mysql.start());
  app.addHook('onClose', async () => mysql.stop());
  app.register(oauthRoutes, { tokens, keys });
  return app;
}
