import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// The build the services import: the secrets of their schemas are registered in that module.
import { ConfigError, loadConfig, secret, z } from '../packages/config/dist/index.js';
import { configSchema as auth } from '../services/auth/src/config.js';
import { configSchema as gateway } from '../services/gateway/src/config.js';
import { configSchema as skAdmin } from '../services/sk-admin/src/config.js';
import { configSchema as skApp } from '../services/sk-app/src/config.js';
import { configSchema as skCore } from '../services/sk-core/src/config.js';
import { configSchema as skOrder } from '../services/sk-order/src/config.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SERVICES: [string, z.ZodObject][] = [
  ['auth', auth],
  ['gateway', gateway],
  ['sk-admin', skAdmin],
  ['sk-app', skApp],
  ['sk-core', skCore],
  ['sk-order', skOrder],
];
const BUILT_IN_SECRET = 'dev-secret-change-me-in-production';
const OWN_SECRETS = {
  SK_SECRET: 'a-secret-of-our-own-0123456789',
  SK_ADMIN_PASSWORD: 'a-password-of-our-own',
  ZK_AUTH: 'sk:a-zk-password-of-our-own',
};
const refused = (name: string) => `${name}: must be set to a value of your own in production (SK_ENV=production)`;

/** The issues loadConfig names for `env`; none when it loads. */
function issuesOf(schema: z.ZodObject, env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(schema, env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
}

describe.each(SERVICES)('%s', (_name, schema) => {
  it('refuses SK_SECRET unset, blank or left at the built-in default in production', () => {
    for (const SK_SECRET of [undefined, ' '.repeat(20), BUILT_IN_SECRET]) {
      expect(issuesOf(schema, { ...OWN_SECRETS, SK_ENV: 'production', SK_SECRET })).toContain(refused('SK_SECRET'));
    }
    // too short for any environment: zod's own message names it
    expect(issuesOf(schema, { ...OWN_SECRETS, SK_ENV: 'production', SK_SECRET: '' })).toEqual([
      expect.stringMatching(/^SK_SECRET: Too small/),
    ]);
  });

  it('refuses ZK_AUTH unset or empty in production, and one that is not user:password anywhere', () => {
    for (const ZK_AUTH of [undefined, '']) {
      expect(issuesOf(schema, { ...OWN_SECRETS, SK_ENV: 'production', ZK_AUTH })).toContain(refused('ZK_AUTH'));
    }
    for (const ZK_AUTH of ['no-password', ':no-user', 'sk:with space', '  ']) {
      expect(issuesOf(schema, { ...OWN_SECRETS, ZK_AUTH })).toEqual([expect.stringMatching(/^ZK_AUTH: user:password/)]);
    }
  });

  it('starts in production with secrets of its own', () => {
    expect(issuesOf(schema, { ...OWN_SECRETS, SK_ENV: 'production' })).toEqual([]);
  });

  it('keeps the built-in defaults in development', () => {
    for (const env of [{}, { SK_ENV: 'development' }]) {
      expect(loadConfig(schema, env)).toMatchObject({ SK_ENV: 'development', SK_SECRET: BUILT_IN_SECRET });
    }
    // Empty as ./sk passes it for a ZooKeeper of the user's that asks for no credentials: none.
    for (const env of [{}, { ZK_AUTH: '' }]) expect(loadConfig(schema, env).ZK_AUTH).toBeUndefined();
  });
});

describe('auth', () => {
  it('refuses SK_ADMIN_PASSWORD unset or left at the demo password in production', () => {
    for (const SK_ADMIN_PASSWORD of [undefined, 'admin123']) {
      expect(issuesOf(auth, { ...OWN_SECRETS, SK_ENV: 'production', SK_ADMIN_PASSWORD })).toEqual([refused('SK_ADMIN_PASSWORD')]);
    }
    expect(loadConfig(auth, {})).toMatchObject({ SK_ADMIN_USER: 'admin', SK_ADMIN_PASSWORD: 'admin123' });
  });
});

describe('loadConfig', () => {
  const schema = z.object({ TOKEN: secret(z.string().min(8), 'built-in-token'), NAME: z.string().default('x') });

  it('names a secret once when it is set but invalid', () => {
    expect(issuesOf(schema, { SK_ENV: 'production', TOKEN: 'short' })).toEqual([expect.stringMatching(/^TOKEN: /)]);
  });

  it('refuses an SK_ENV that is neither development nor production', () => {
    expect(issuesOf(gateway, { ...OWN_SECRETS, SK_ENV: 'prod' })).toEqual([expect.stringMatching(/^SK_ENV: /)]);
  });

  it('says everything wrong in one line', () => {
    expect(() => loadConfig(auth, { SK_ENV: 'production', PORT: 'x' })).toThrow(
      `invalid configuration: PORT: Invalid input: expected number, received NaN; ${refused('SK_SECRET')}; ${refused('ZK_AUTH')}; ${refused('SK_ADMIN_PASSWORD')}`,
    );
  });
});

describe('a service process in production', () => {
  it.each(SERVICES.map(([name]) => name))('%s exits 1 with one line naming the secret left unset', (name) => {
    const run = spawnSync(process.execPath, [`services/${name}/dist/main.js`], {
      cwd: ROOT,
      env: {
        SK_ENV: 'production',
        ZK_AUTH: OWN_SECRETS.ZK_AUTH,
        ...(name === 'auth' ? { SK_ADMIN_PASSWORD: OWN_SECRETS.SK_ADMIN_PASSWORD } : {}),
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`${name}: invalid configuration: ${refused('SK_SECRET')}\n`);
  });
});
