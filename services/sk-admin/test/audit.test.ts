import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('sk_admin_audit');
});
afterAll(async () => {
  await h?.close();
});

const hour = 3_600;

describe('audit log', () => {
  it('records every operator change with who, what, before and after, newest first', async () => {
    const product = (await h.call('POST', '/admin/products', { name: 'Audited phone' })).body.result;
    const now = Math.floor(Date.now() / 1000);
    const activity = (
      await h.call('POST', '/admin/activities', {
        name: 'Audited sale',
        product_id: product.product_id,
        start_time: now,
        end_time: now + hour,
        total: 5,
        buy_limit: 1,
      })
    ).body.result;
    await h.call('PATCH', `/admin/activities/${activity.activity_id}`, { total: 8, status: 'disabled' });
    const users = (
      await h.call('POST', '/admin/users', {
        users: [
          { username: 'a1', password: 'secret1' },
          { username: 'a2', password: 'secret2' },
        ],
      })
    ).body.result;
    await h.call('PUT', `/admin/blacklist/users/${users[0].user_id}`, { reason: 'bot' });
    await h.call('DELETE', `/admin/blacklist/users/${users[0].user_id}`);
    await h.call('POST', '/product/create', { product_name: 'Via reference route' });

    const res = await h.call('GET', '/admin/audit?limit=10');
    expect(res.status).toBe(200);
    const { total, entries } = res.body.result;
    expect(total).toBe(7);
    expect(entries.map((e: { action: string }) => e.action)).toEqual([
      'product.create',
      'blacklist.delete',
      'blacklist.put',
      'users.create',
      'activity.update',
      'activity.create',
      'product.create',
    ]);
    expect(entries.every((e: { actor: string; actor_id: number }) => e.actor === 'admin' && e.actor_id === 1)).toBe(true);
    const patch = entries[4];
    expect(patch.target).toBe(`activity:${activity.activity_id}`);
    expect(patch.before).toMatchObject({ total: 5, status: 'enabled' });
    expect(patch.after).toMatchObject({ total: 8, status: 'disabled' });
    expect(entries[3].after).toEqual(users);
    expect(JSON.stringify(entries)).not.toContain('secret1');
    expect(entries[2]).toMatchObject({ before: null, after: { reason: 'bot', source: 'operator' } });
    expect(entries[1]).toMatchObject({ before: { reason: 'bot' }, after: null });
    expect(new Date(entries[0].at).getTime()).toBeGreaterThanOrEqual(new Date(entries[6].at).getTime());

    const page = (await h.call('GET', '/admin/audit?limit=2&offset=5')).body.result;
    expect(page.entries.map((e: { action: string }) => e.action)).toEqual(['activity.create', 'product.create']);
  });

  it('records nothing for refused changes', async () => {
    const before = await h.count('audit_log');
    expect((await h.call('POST', '/admin/products', { name: '' })).status).toBe(400);
    expect((await h.call('PATCH', '/admin/activities/999', { total: 3 })).status).toBe(404);
    expect((await h.call('POST', '/admin/products', { name: 'x' }, h.tokens.shopper)).status).toBe(403);
    expect(await h.count('audit_log')).toBe(before);
  });

  it('validates limit and offset, naming the field', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=abc', 'limit'],
      ['offset=-1', 'offset'],
      ['offset=1.5', 'offset'],
    ]) {
      const res = await h.call('GET', `/admin/audit?${query}`);
      expect([res.status, res.body.code], query).toEqual([400, 1101]);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await h.call('GET', '/admin/audit', undefined, h.tokens.shopper)).status).toBe(403);
  });
});
