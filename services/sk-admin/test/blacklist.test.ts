import { publishBlacklistChanges, redisKeys } from '@sk/seckill';
import { createBlockingRedis } from '@sk/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../src/audit-log.js';
import { BlacklistService } from '../src/blacklist-service.js';
import { BlacklistStore } from '../src/blacklist-store.js';
import { UserStore } from '../src/user-store.js';
import { eventually, startHarness, type Harness } from './harness.js';

let h: Harness;
let userId: number;
beforeAll(async () => {
  h = await startHarness('sk_admin_blacklist');
  const created = await h.call('POST', '/admin/users', { users: [{ username: 'brusher', password: 'pass123' }] });
  userId = created.body.result[0].user_id;
});
afterAll(async () => {
  await h?.close();
});

const keys = () => redisKeys(h.iso.redisPrefix);

describe('blacklist API', () => {
  it('bans a user and an IP in MySQL and Redis, lists them, and removes them', async () => {
    const user = await h.call('PUT', `/admin/blacklist/users/${userId}`, { reason: 'chargebacks' });
    expect([user.status, user.body.result]).toEqual([
      200,
      expect.objectContaining({ value: String(userId), source: 'operator', reason: 'chargebacks', created_by: 'admin', mirror: 'done' }),
    ]);
    const ip = await h.call('PUT', '/admin/blacklist/ips/2001:DB8::7');
    expect([ip.status, ip.body.result.value, ip.body.result.reason]).toEqual([200, '2001:db8::7', '']);
    expect(await h.count('blacklist')).toBe(2);
    expect(await h.redis.hget(keys().blacklist('operator', 'user'), String(userId))).toBe(
      JSON.stringify({ reason: 'chargebacks', expires_at: null }),
    );

    const listed = (await h.call('GET', '/admin/blacklist')).body.result;
    expect(listed.users.map((e: { value: string }) => e.value)).toEqual([String(userId)]);
    expect(listed.ips.map((e: { value: string }) => e.value)).toEqual(['2001:db8::7']);

    expect((await h.call('DELETE', `/admin/blacklist/users/${userId}`)).status).toBe(200);
    expect((await h.call('DELETE', '/admin/blacklist/ips/2001:db8::7')).status).toBe(200);
    expect(await h.count('blacklist')).toBe(0);
    expect(await h.redis.hlen(keys().blacklist('operator', 'user'))).toBe(0);
    const again = await h.call('DELETE', `/admin/blacklist/users/${userId}`);
    expect([again.status, again.body.code]).toEqual([404, 1003]);
  });

  it('announces each change on the channel sk-app instances follow', async () => {
    const subscriber = createBlockingRedis(h.iso.redisUrl);
    const heard: unknown[] = [];
    subscriber.on('message', (_channel: string, message: string) => heard.push(JSON.parse(message)));
    await subscriber.subscribe(keys().blacklistChannel);
    try {
      await h.call('PUT', '/admin/blacklist/ips/203.0.113.8', { reason: 'scraper' });
      await h.call('DELETE', '/admin/blacklist/ips/203.0.113.8');
      await eventually(async () => (heard.length >= 3 ? true : undefined), 2_000);
      expect(heard).toEqual([
        { source: 'operator', kind: 'ip', value: '203.0.113.8', entry: { reason: 'scraper', expires_at: null } },
        { source: 'operator', kind: 'ip', value: '203.0.113.8', entry: null },
        { source: 'auto', kind: 'ip', value: '203.0.113.8', entry: null },
      ]);
    } finally {
      subscriber.disconnect();
    }
  });

  it('never lets a repair pass undo an edit it overlapped', async () => {
    const service = new BlacklistService(
      new BlacklistStore(h.mysql),
      new UserStore(h.mysql),
      new AuditLog(h.mysql),
      h.redis,
      keys(),
      h.app.log,
      60_000,
    );
    const operator = { userId: 1, username: 'admin', roles: ['admin'] };
    const copy = () => h.redis.hget(keys().blacklist('operator', 'ip'), '198.51.100.77');
    // Many passes around each edit, so some would read before it and write after it.
    const passes = () => Array.from({ length: 8 }, () => service.sync());
    try {
      for (let round = 0; round < 25; round++) {
        await Promise.all([...passes(), service.ban(operator, 'ip', '198.51.100.77', `round ${round}`), ...passes()]);
        expect(await copy()).toBe(JSON.stringify({ reason: `round ${round}`, expires_at: null }));
        await Promise.all([...passes(), service.unban(operator, 'ip', '198.51.100.77'), ...passes()]);
        expect(await copy()).toBeNull();
      }
    } finally {
      // Only if a round failed half way: otherwise nothing is listed (404).
      await service.unban(operator, 'ip', '198.51.100.77').catch(() => {});
    }
  });

  it('lists automatic bans with reason and expiry, lets an operator lift them, and forgets expired ones', async () => {
    const expiresAt = Date.now() + 60_000;
    await publishBlacklistChanges(h.redis, keys(), [
      { source: 'auto', kind: 'user', value: '4242', entry: { reason: 'too many requests', expires_at: expiresAt } },
      { source: 'auto', kind: 'ip', value: '198.51.100.3', entry: { reason: 'too many requests', expires_at: Date.now() - 1 } },
    ]);
    const listed = (await h.call('GET', '/admin/blacklist')).body.result;
    expect(listed.users).toEqual([
      {
        value: '4242',
        source: 'auto',
        reason: 'too many requests',
        expires_at: new Date(expiresAt).toISOString(),
        created_by: null,
        created_at: null,
      },
    ]);
    expect(listed.ips).toEqual([]);
    // The periodic sync drops the expired one from Redis.
    await eventually(async () => ((await h.redis.hlen(keys().blacklist('auto', 'ip'))) === 0 ? true : undefined), 2_000);

    const lifted = await h.call('DELETE', '/admin/blacklist/users/4242');
    expect(lifted.status).toBe(200);
    expect(await h.redis.hlen(keys().blacklist('auto', 'user'))).toBe(0);
  });

  it("restores Redis's copy from MySQL when it was lost", async () => {
    await h.call('PUT', '/admin/blacklist/ips/192.0.2.200');
    await h.redis.del(keys().blacklist('operator', 'ip'));
    await eventually(async () => ((await h.redis.hget(keys().blacklist('operator', 'ip'), '192.0.2.200')) ? true : undefined), 2_000);
    await h.call('DELETE', '/admin/blacklist/ips/192.0.2.200');
  });

  it('refuses bad input naming the field, writing nothing', async () => {
    const before = await h.count('audit_log');
    const cases: [string, string, unknown, string][] = [
      ['PUT', '/admin/blacklist/ips/300.1.1.1', undefined, 'ip'],
      ['PUT', '/admin/blacklist/ips/not-an-ip', undefined, 'ip'],
      ['DELETE', '/admin/blacklist/ips/1.2.3', undefined, 'ip'],
      ['PUT', '/admin/blacklist/users/-1', undefined, 'user_id'],
      ['PUT', '/admin/blacklist/users/1e3', undefined, 'user_id'],
      ['DELETE', '/admin/blacklist/users/abc', undefined, 'user_id'],
      ['PUT', '/admin/blacklist/ips/192.0.2.1', { reason: 'x'.repeat(201) }, 'reason'],
      ['PUT', '/admin/blacklist/ips/192.0.2.1', { reason: 42 }, 'reason'],
    ];
    for (const [method, url, body, field] of cases) {
      const res = await h.call(method as 'PUT', url, body);
      expect([res.status, res.body.code], url).toEqual([400, 1101]);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const unknown = await h.call('PUT', '/admin/blacklist/users/999999');
    expect([unknown.status, unknown.body.code]).toEqual([404, 1003]);
    expect(await h.count('blacklist')).toBe(0);
    expect(await h.count('audit_log')).toBe(before);
  });

  it('needs an operator token', async () => {
    const none = await h.call('PUT', '/admin/blacklist/ips/192.0.2.1', undefined, null);
    expect([none.status, none.body.code]).toEqual([401, 1103]);
    const shopper = await h.call('GET', '/admin/blacklist', undefined, h.tokens.shopper);
    expect([shopper.status, shopper.body.code]).toEqual([403, 1112]);
    expect(await h.count('blacklist')).toBe(0);
  });
});
