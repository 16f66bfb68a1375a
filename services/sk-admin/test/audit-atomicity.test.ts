import { redisKeys } from '@sk/seckill';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, type Harness } from './harness.js';

/**
 * An operator change and its audit entry are one MySQL transaction: when the entry cannot be
 * written, the change is not committed either (nor mirrored to ZooKeeper or copied to Redis), and
 * the operator is told 503/1001; when it can, both are there.
 */

let h: Harness;
let productId: number;
let activity: { activity_id: number; total: number; version: number };
let userId: number;
const listedIp = '198.51.100.40';
const start = Date.now() + 3_600_000;

const keys = () => redisKeys(h.iso.redisPrefix);

/** From now on every INSERT into audit_log fails, as if MySQL refused it (this test's own database only). */
async function breakAuditLog() {
  await h.mysql.query(
    "CREATE TRIGGER audit_log_refused BEFORE INSERT ON audit_log FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit log refused (test)'",
  );
}
async function repairAuditLog() {
  await h.mysql.query('DROP TRIGGER IF EXISTS audit_log_refused');
}

const activityBody = (name: string) => ({
  name,
  product_id: productId,
  start_time: new Date(start).toISOString(),
  end_time: new Date(start + 3_600_000).toISOString(),
  total: 10,
  buy_limit: 1,
});
const referenceActivityBody = (name: string) => {
  const { name: activity_name, ...rest } = activityBody(name);
  return { activity_name, ...rest, status: 0 };
};
const newUsers = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ username: `${prefix}${i}`, password: 'pass123' }));

async function count(sql: string): Promise<number> {
  const [[row]] = await h.mysql.query<RowDataPacket[]>(sql);
  return Number(row!.n);
}
const znodes = async () => (await h.zk.getChildren(h.paths.activities))?.length ?? 0;
const blacklistRow = async (kind: 'user' | 'ip', value: string) => {
  const [[row]] = await h.mysql.query<RowDataPacket[]>('SELECT reason FROM blacklist WHERE kind = ? AND value = ?', [kind, value]);
  return row as { reason: string } | undefined;
};
const redisCopy = (kind: 'user' | 'ip', value: string) => h.redis.hget(keys().blacklist('operator', kind), value);

/** Everything an operator change could have touched. */
async function snapshot() {
  return {
    products: await h.count('products'),
    activities: await h.count('activities'),
    users: await h.count('users'),
    blacklist: await h.count('blacklist'),
    audit: await h.count('audit_log'),
    znodes: await znodes(),
    activity: (await h.call('GET', `/admin/activities/${activity.activity_id}`)).body.result,
    znode: await h.znode(activity.activity_id),
    bannedUser: [await blacklistRow('user', String(userId)), await redisCopy('user', String(userId))],
    bannedIp: [await blacklistRow('ip', listedIp), await redisCopy('ip', listedIp)],
  };
}

beforeAll(async () => {
  h = await startHarness('sk_admin_audit_atomic');
  productId = (await h.call('POST', '/admin/products', { name: 'Audited phone' })).body.result.product_id;
  activity = (await h.call('POST', '/admin/activities', activityBody('Audited sale'))).body.result;
  userId = (await h.call('POST', '/admin/users', { users: [{ username: 'suspect', password: 'pass123' }] })).body.result[0].user_id;
  expect((await h.call('PUT', `/admin/blacklist/ips/${listedIp}`, { reason: 'scraper' })).status).toBe(200);
});
afterEach(async () => {
  await repairAuditLog();
});
afterAll(async () => {
  await h?.close();
});

/** Each operator change, by every route that makes one: label, method, path, body (for a change that fails or not). */
const changes: [string, 'POST' | 'PATCH' | 'PUT' | 'DELETE', () => string, (fails: boolean) => unknown][] = [
  ['products.create', 'POST', () => '/admin/products', () => ({ name: 'Unaudited phone' })],
  ['reference product create', 'POST', () => '/product/create', () => ({ product_name: 'Unaudited reference phone' })],
  ['activity.create', 'POST', () => '/admin/activities', () => activityBody('Unaudited sale')],
  ['reference activity create', 'POST', () => '/activity/create', () => referenceActivityBody('Unaudited reference sale')],
  ['activity.update', 'PATCH', () => `/admin/activities/${activity.activity_id}`, () => ({ total: 99, status: 'disabled' })],
  // Failing, 501 users: more than one INSERT statement, all of them undone (fewer when it works: hashing takes time).
  [
    'users.create (bulk)',
    'POST',
    () => '/admin/users',
    (fails) => ({ users: fails ? newUsers('unaudited', 501) : newUsers('audited', 3) }),
  ],
  ['blacklist.put of a user', 'PUT', () => `/admin/blacklist/users/${userId}`, () => ({ reason: 'bot' })],
  ['blacklist.put of a listed IP (new reason)', 'PUT', () => `/admin/blacklist/ips/${listedIp}`, () => ({ reason: 'changed' })],
  ['blacklist.delete', 'DELETE', () => `/admin/blacklist/ips/${listedIp}`, () => undefined],
];

describe('a change whose audit entry cannot be written', () => {
  it.each(changes)('%s: answers 503/1001 and commits, mirrors and copies nothing', async (_label, method, url, body) => {
    const before = await snapshot();
    await breakAuditLog();
    const res = await h.call(method, url(), body(true));
    expect([res.status, res.body.code]).toEqual([503, 1001]);
    await repairAuditLog();
    // The app's reconciler runs every 200 ms: give a committed-but-unmirrored change time to show.
    await new Promise((r) => setTimeout(r, 400));
    expect(await snapshot()).toEqual(before);
  });

  it('answers 503/1001 when the connection is lost while the entry is written, and the change is not committed', async () => {
    const before = await snapshot();
    // The entry's INSERT waits long enough for the test to cut its connection, as if MySQL went away.
    await h.mysql.query('CREATE TRIGGER audit_log_slow BEFORE INSERT ON audit_log FOR EACH ROW SET @slept = SLEEP(5)');
    try {
      const answer = h.call('POST', '/admin/products', { name: 'Phone lost in transit' });
      const inserting = await eventually(async () => {
        const [rows] = await h.mysql.query<RowDataPacket[]>(
          // The trigger's statement, run by the connection inserting the entry.
          "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND STATE = 'User sleep'",
        );
        return rows[0] ? Number(rows[0].ID) : undefined;
      }, 3_000);
      await h.mysql.query(`KILL CONNECTION ${inserting}`);
      const res = await answer;
      expect([res.status, res.body.code]).toEqual([503, 1001]);
    } finally {
      await h.mysql.query('DROP TRIGGER IF EXISTS audit_log_slow');
    }
    expect(await snapshot()).toEqual(before);
    // The lost connection was not handed back: the next change goes through.
    expect((await h.call('POST', '/admin/products', { name: 'Phone after the loss' })).status).toBe(201);
  });

  it('answers 503/1001 when the audit table is gone too, and the users are not created', async () => {
    const users = await h.count('users');
    await h.mysql.query('RENAME TABLE audit_log TO audit_log_away');
    try {
      const res = await h.call('POST', '/admin/users', { users: newUsers('tableless', 3) });
      expect([res.status, res.body.code]).toEqual([503, 1001]);
    } finally {
      await h.mysql.query('RENAME TABLE audit_log_away TO audit_log');
    }
    expect(await h.count('users')).toBe(users);
    expect(await count("SELECT COUNT(*) AS n FROM users WHERE username LIKE 'tableless%'")).toBe(0);
  });
});

describe('a change whose audit entry is written', () => {
  it('commits the change and exactly one entry for it, by every route', async () => {
    const before = await snapshot();
    const answered: Awaited<ReturnType<Harness['call']>>[] = [];
    for (const [, method, url, body] of changes) answered.push(await h.call(method, url(), body(false)));
    expect(answered.map((r) => [r.status, r.body.code])).toEqual([
      [201, 0],
      [201, 0],
      [201, 0],
      [201, 0],
      [200, 0],
      [201, 0],
      [200, 0],
      [200, 0],
      [200, 0],
    ]);

    const after = await snapshot();
    expect(after).toMatchObject({
      products: before.products + 2,
      activities: before.activities + 2,
      users: before.users + 3,
      blacklist: before.blacklist, // the user listed, the IP listed anew then removed
      audit: before.audit + changes.length,
      znodes: before.znodes + 2,
      activity: { total: 99, status: 'disabled', version: activity.version + 1, mirror: 'done' },
      znode: { total: 99, status: 'disabled', version: activity.version + 1 },
      bannedUser: [{ reason: 'bot' }, JSON.stringify({ reason: 'bot', expires_at: null })],
      bannedIp: [undefined, null],
    });

    const { entries } = (await h.call('GET', `/admin/audit?limit=${changes.length}`)).body.result;
    const [product, referenceProduct, created, referenceCreated] = answered.map((r) => r.body.result);
    expect(entries.reverse().map((e: { action: string; target: string }) => [e.action, e.target])).toEqual([
      ['product.create', `product:${product.product_id}`],
      ['product.create', `product:${referenceProduct.product_id}`],
      ['activity.create', `activity:${created.activity_id}`],
      ['activity.create', `activity:${referenceCreated.activity_id}`],
      ['activity.update', `activity:${activity.activity_id}`],
      ['users.create', 'users:3'],
      ['blacklist.put', `user:${userId}`],
      ['blacklist.put', `ip:${listedIp}`],
      ['blacklist.delete', `ip:${listedIp}`],
    ]);
    expect(entries[4]).toMatchObject({ before: { total: activity.total, status: 'enabled' }, after: { total: 99, status: 'disabled' } });
    expect(entries[6]).toMatchObject({ before: null, after: { reason: 'bot', source: 'operator' } });
    expect(entries[7]).toMatchObject({ before: { reason: 'scraper' }, after: { reason: 'changed' } });
    expect(entries[8]).toMatchObject({ before: { reason: 'changed' }, after: null });
  });
});
