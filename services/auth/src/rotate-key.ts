import { loadConfigOrExit } from '@sk/config';
import { MIGRATIONS_DIR, createMysql, migrate } from '@sk/storage';
import { configSchema } from './config.js';
import { rotateSigningKey } from './keys.js';

/**
 * `./sk rotate-key` (in compose: `docker compose exec auth node services/auth/dist/rotate-key.js`): adds a
 * signing key that every auth instance signs with from a few seconds on, the old one verifying
 * until its last token has expired. Prints what it did as one JSON line.
 */
const config = loadConfigOrExit('rotate-key', configSchema);
const pool = await createMysql(config.MYSQL_URL);
try {
  await migrate(pool, MIGRATIONS_DIR);
  const rotation = await rotateSigningKey(pool, config.ACCESS_TOKEN_TTL_S);
  console.log(
    JSON.stringify({
      kid: rotation.kid,
      signing_from: new Date(rotation.activeFrom).toISOString(),
      retired: rotation.retired.kid,
      retired_verifies_until: new Date(rotation.retired.at).toISOString(),
    }),
  );
} finally {
  await pool.end();
}
