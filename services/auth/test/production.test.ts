import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { isolate, removeTree, startService } from '@sk/test-support';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const iso = isolate('auth_production');
// Production asks for ZooKeeper credentials too: the root auth registers in is then its alone.
const ZK_AUTH = 'auth-test:a-zk-password-of-our-own';
afterAll(async () => {
  await removeTree(iso.zkRoot, ZK_AUTH);
  await iso.cleanup();
});

/** `node services/auth/dist/main.js` with only `env`: what it said and how it ended. */
function runAuth(env: Record<string, string>) {
  return spawnSync(process.execPath, ['services/auth/dist/main.js'], { cwd: ROOT, env, encoding: 'utf8', timeout: 20_000 });
}

it('refuses to start in production while SK_ADMIN_PASSWORD is unset or the demo one, in one line', () => {
  const unset: Record<string, string>[] = [{}, { SK_ADMIN_PASSWORD: 'admin123' }];
  for (const env of unset) {
    const run = runAuth({ ...env, SK_ENV: 'production', SK_SECRET: 'a-secret-of-our-own-0123456789', ZK_AUTH });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'auth: invalid configuration: SK_ADMIN_PASSWORD: must be set to a value of your own in production (SK_ENV=production)\n',
    );
  }
});

it('starts in production with secrets of its own', async () => {
  const service = await startService('auth', {
    ...iso.env,
    GRPC_PORT: '0',
    SK_ENV: 'production',
    ZK_AUTH,
    SK_ADMIN_USER: 'ops',
    SK_ADMIN_PASSWORD: 'a-password-of-our-own',
  });
  try {
    const res = await fetch(`${service.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: 'ops', password: 'a-password-of-our-own' }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { roles: string[] }).roles).toEqual(['admin']);
  } finally {
    await service.stop();
  }
});
