import { MIGRATIONS_DIR, migrate, type Pool } from '@sk/storage';
import type { AuthConfig } from './config.js';
import { KeyRing } from './keys.js';
import { TokenService } from './tokens.js';
import { UserStore, type OperatorSeed } from './users.js';

export type AuthSettings = Pick<
  AuthConfig,
  'ACCESS_TOKEN_TTL_S' | 'REFRESH_TOKEN_TTL_S' | 'SK_SECRET' | 'SK_ADMIN_USER' | 'SK_ADMIN_PASSWORD'
>;

export interface Auth {
  tokens: TokenService;
  keys: KeyRing;
  operator: OperatorSeed;
  /** Operators seeded under an earlier SK_ADMIN_USER, who lost the admin role at this start. */
  demoted: string[];
}

/** Brings the database to where auth can serve: schema applied, signing keys read, operator seeded. */
export async function prepareAuth(pool: Pool, settings: AuthSettings): Promise<Auth> {
  await migrate(pool, MIGRATIONS_DIR);
  const keys = await KeyRing.open(pool);
  const users = new UserStore(pool);
  const operator = await users.seedOperator(settings.SK_ADMIN_USER, settings.SK_ADMIN_PASSWORD);
  const demoted = await users.demoteFormerOperators(settings.SK_ADMIN_USER);
  const tokens = new TokenService(pool, users, keys, {
    accessTtlS: settings.ACCESS_TOKEN_TTL_S,
    refreshTtlS: settings.REFRESH_TOKEN_TTL_S,
    secret: settings.SK_SECRET,
  });
  return { tokens, keys, operator, demoted };
}
