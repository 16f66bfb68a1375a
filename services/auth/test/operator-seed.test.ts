import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { hashPassword } from '@sk/identity';
import { MIGRATIONS_DIR, createMysql, migrate } from '@sk/storage';
import { isolate, type Isolation } from '@sk/test-support';
import { createUser, passwordGrant, startAuth, type AuthInstance } from './support.js';

const isolations: Isolation[] = [];
afterAll(async () => {
  await Promise.all(isolations.map((iso) => iso.cleanup()));
});

function freshIsolation(): Isolation {
  const iso = isolate('auth_operator_seed');
  isolations.push(iso);
  return iso;
}

/** Starts auth as a process start would, and stops it again once `check` has looked. */
async function startOnce(iso: Isolation, env: Record<string, string>, check: (auth: AuthInstance) => Promise<void> = async () => {}) {
  const auth = await startAuth(iso, env);
  try {
    await check(auth);
  } finally {
    await auth.close();
  }
  return { operator: auth.operator, demoted: auth.demoted };
}

/** The status and roles a password grant answers. */
async function login(auth: AuthInstance, username: string, password: string) {
  const res = await passwordGrant(auth.app, username, password);
  return res.statusCode === 200 ? { status: 200, roles: res.json().roles as string[] } : { status: res.statusCode };
}

describe('SK_ADMIN_PASSWORD', () => {
  it('is applied again only when it changes, never over a password changed since', async () => {
    const iso = freshIsolation();
    const ops = { SK_ADMIN_USER: 'ops', SK_ADMIN_PASSWORD: 'first-password' };
    expect(await startOnce(iso, ops)).toEqual({ operator: 'created', demoted: [] });

    await startOnce(iso, ops, async (auth) => {
      // changed by other means than the environment
      await auth.pool.execute("UPDATE users SET password_hash = ? WHERE username = 'ops'", [await hashPassword('changed-by-hand')]);
    });

    const restart = await startOnce(iso, ops, async (again) => {
      expect(await login(again, 'ops', 'changed-by-hand')).toEqual({ status: 200, roles: ['admin'] });
      expect(await login(again, 'ops', 'first-password')).toEqual({ status: 401 });
    });
    expect(restart.operator).toBe('unchanged');

    // rotated through the environment: the new one takes over
    const rotated = await startOnce(iso, { ...ops, SK_ADMIN_PASSWORD: 'rotated-password' }, async (again) => {
      expect(await login(again, 'ops', 'rotated-password')).toEqual({ status: 200, roles: ['admin'] });
      expect(await login(again, 'ops', 'changed-by-hand')).toEqual({ status: 401 });
    });
    expect(rotated.operator).toBe('updated');
  });

  it('gives the admin role back to the operator while leaving the password alone', async () => {
    const iso = freshIsolation();
    const ops = { SK_ADMIN_USER: 'ops', SK_ADMIN_PASSWORD: 'ops-password' };
    await startOnce(iso, ops, async (auth) => {
      await auth.pool.execute("UPDATE users SET roles = 'user', password_hash = ? WHERE username = 'ops'", [
        await hashPassword('changed-by-hand'),
      ]);
    });
    const restart = await startOnce(iso, ops, async (auth) => {
      expect(await login(auth, 'ops', 'changed-by-hand')).toEqual({ status: 200, roles: ['user', 'admin'] });
    });
    expect(restart.operator).toBe('updated');
  });
});

describe('SK_ADMIN_USER', () => {
  it('takes the admin role from the operator seeded under an earlier name, who stays a user', async () => {
    const iso = freshIsolation();
    await startOnce(iso, { SK_ADMIN_USER: 'alice-ops', SK_ADMIN_PASSWORD: 'alice-password' }, async (auth) => {
      await createUser(auth.pool, 'carol', 'carol-password');
      await createUser(auth.pool, 'dave', 'dave-password');
    });
    // a shopper made operator goes back to being a shopper
    const carol = await startOnce(iso, { SK_ADMIN_USER: 'carol', SK_ADMIN_PASSWORD: 'carol-operator-password' });
    expect(carol).toEqual({ operator: 'updated', demoted: ['alice-ops'] });

    const bob = { SK_ADMIN_USER: 'bob-ops', SK_ADMIN_PASSWORD: 'bob-password' };
    const switched = await startOnce(iso, bob, async (auth) => {
      expect(await login(auth, 'bob-ops', 'bob-password')).toEqual({ status: 200, roles: ['admin'] });
      expect(await login(auth, 'alice-ops', 'alice-password')).toEqual({ status: 200, roles: [] });
      expect(await login(auth, 'carol', 'carol-operator-password')).toEqual({ status: 200, roles: ['user'] });
      expect(await login(auth, 'dave', 'dave-password')).toEqual({ status: 200, roles: ['user'] });
    });
    expect(switched).toEqual({ operator: 'created', demoted: ['carol'] });
    expect(await startOnce(iso, bob)).toEqual({ operator: 'unchanged', demoted: [] });
  });

  it('knows the operator seeded before migration 006 remembered the environment password', async () => {
    const iso = freshIsolation();
    const pool = await createMysql(iso.mysqlUrl);
    const before006 = await mkdtemp(join(tmpdir(), 'sk-migrations-'));
    try {
      for (const file of await readdir(MIGRATIONS_DIR)) {
        if (file < '006') await copyFile(new URL(file, MIGRATIONS_DIR), join(before006, file));
      }
      await migrate(pool, pathToFileURL(`${before006}/`));
      await pool.execute("INSERT INTO users (username, password_hash, roles) VALUES ('admin', ?, 'admin'), ('eve', ?, 'user')", [
        await hashPassword('admin123'),
        await hashPassword('eve-password'),
      ]);
    } finally {
      await pool.end();
      await rm(before006, { recursive: true });
    }

    expect(await startOnce(iso, { SK_ADMIN_USER: 'admin', SK_ADMIN_PASSWORD: 'admin123' })).toEqual({ operator: 'unchanged', demoted: [] });
    const switched = await startOnce(iso, { SK_ADMIN_USER: 'ops', SK_ADMIN_PASSWORD: 'ops-password' }, async (auth) => {
      expect(await login(auth, 'admin', 'admin123')).toEqual({ status: 200, roles: [] });
      expect(await login(auth, 'eve', 'eve-password')).toEqual({ status: 200, roles: ['user'] });
    });
    expect(switched).toEqual({ operator: 'created', demoted: ['admin'] });
  });
});
