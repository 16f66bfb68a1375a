import { verifyPassword } from '@sk/identity';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('sk_admin_users');
});
afterAll(async () => {
  await h?.close();
});

const shoppers = (from: number, to: number, password = 'pass123') =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ username: `user${from + i}`, password }));

async function storedUser(username: string) {
  const [[row]] = await h.mysql.query<RowDataPacket[]>('SELECT id, password_hash, roles FROM users WHERE username = ?', [username]);
  return row as { id: number; password_hash: string; roles: string } | undefined;
}

describe('bulk user creation', () => {
  it('creates 50 shoppers with scrypt hashes, then is idempotent', async () => {
    const first = await h.call('POST', '/admin/users', { users: shoppers(1, 50) });
    expect(first.status).toBe(201);
    const created: { user_id: number; username: string }[] = first.body.result;
    expect(created.map((u) => u.username)).toEqual(shoppers(1, 50).map((u) => u.username));
    expect(new Set(created.map((u) => u.user_id)).size).toBe(50);
    expect(await h.count('users')).toBe(50);

    const user7 = await storedUser('user7');
    expect(user7).toMatchObject({ id: created[6]!.user_id, roles: 'user' });
    expect(user7!.password_hash).toMatch(/^scrypt\$/);
    expect(user7!.password_hash).not.toContain('pass123');
    expect(await verifyPassword('pass123', user7!.password_hash)).toBe(true);

    // Again, with new passwords and one more user: the 50 keep their ids and passwords.
    const again = await h.call('POST', '/admin/users', {
      users: [...shoppers(1, 50, 'changed!'), { username: 'user51', password: 'other51' }],
    });
    expect(again.status).toBe(201);
    expect(again.body.result.slice(0, 50)).toEqual(created);
    expect(again.body.result[50]).toEqual({ user_id: expect.any(Number), username: 'user51' });
    expect(await h.count('users')).toBe(51);
    expect(await verifyPassword('pass123', (await storedUser('user7'))!.password_hash)).toBe(true);
    expect(await verifyPassword('other51', (await storedUser('user51'))!.password_hash)).toBe(true);
  });

  it('refuses a username twice in one request, naming the repeat, and writes nothing', async () => {
    const before = await h.count('users');
    const res = await h.call('POST', '/admin/users', {
      users: [
        { username: 'dup-a', password: 'secret1' },
        { username: 'dup-b', password: 'secret2' },
        { username: 'dup-a', password: 'secret3' },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(1101);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'users.2.username' })]);
    expect(await h.count('users')).toBe(before);
  });

  it.each<[string, unknown, string]>([
    ['no users', { users: [] }, 'users'],
    ['users not an array', { users: 'user1' }, 'users'],
    ['a username with a space', { users: [{ username: 'bad name', password: 'secret1' }] }, 'users.0.username'],
    ['a username of 65 chars', { users: [{ username: 'u'.repeat(65), password: 'secret1' }] }, 'users.0.username'],
    ['an empty username', { users: [{ username: '', password: 'secret1' }] }, 'users.0.username'],
    ['a password of 5 chars', { users: [{ username: 'short', password: '12345' }] }, 'users.0.password'],
    ['a password of 129 chars', { users: [{ username: 'long', password: 'p'.repeat(129) }] }, 'users.0.password'],
    ['a missing password', { users: [{ username: 'nopass' }] }, 'users.0.password'],
    ['10,001 users', { users: shoppers(1, 10_001) }, 'users'],
  ])('refuses %s with 400/1101', async (_label, body, field) => {
    const before = await h.count('users');
    const res = await h.call('POST', '/admin/users', body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(1101);
    expect(new Set(res.body.errors.map((e: { field: string }) => e.field))).toEqual(new Set([field]));
    expect(await h.count('users')).toBe(before);
  });

  it('refuses shoppers with 403/1112', async () => {
    const res = await h.call('POST', '/admin/users', { users: [{ username: 'sneaky', password: 'secret1' }] }, h.tokens.shopper);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe(1112);
    expect(await storedUser('sneaky')).toBeUndefined();
  });
});
