import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';
import { orderRecord } from '@sk/test-support';

let h: Harness;
let activityId: number;
let users: { user_id: number; username: string }[];
beforeAll(async () => {
  h = await startHarness('sk_admin_winners');
  const product = (await h.call('POST', '/admin/products', { name: 'Phone' })).body.result;
  const now = Math.floor(Date.now() / 1000);
  activityId = (
    await h.call('POST', '/admin/activities', {
      name: 'Sale',
      product_id: product.product_id,
      start_time: now,
      end_time: now + 3_600,
      total: 5,
      buy_limit: 1,
    })
  ).body.result.activity_id;
  users = (
    await h.call('POST', '/admin/users', {
      users: [
        { username: 'first', password: 'pass123' },
        { username: 'second', password: 'pass123' },
      ],
    })
  ).body.result;
  // As the sale holds them: order id → its record; two orders of one user, one winner unknown to
  // MySQL, and a record that is not one.
  const held = [
    orderRecord(activityId, 3, users[0]!.user_id, 2_000),
    orderRecord(activityId, 1, users[0]!.user_id, 1_000),
    orderRecord(activityId, 4, 777, 3_000),
    orderRecord(activityId, 2, users[1]!.user_id, 2_000),
  ];
  await h.redis.hset(h.keys.quals(activityId), {
    ...Object.fromEntries(held.map((r) => [r.order_id, JSON.stringify(r)])),
    [`${activityId}-9`]: '{"seq":9',
  });
});
afterAll(async () => {
  await h?.close();
});

describe('winners', () => {
  const expected = () => [
    { user_id: users[0]!.user_id, username: 'first', token_time: new Date(1_000).toISOString(), order_id: `${activityId}-1` },
    { user_id: users[1]!.user_id, username: 'second', token_time: new Date(2_000).toISOString(), order_id: `${activityId}-2` },
    { user_id: users[0]!.user_id, username: 'first', token_time: new Date(2_000).toISOString(), order_id: `${activityId}-3` },
    { user_id: 777, username: null, token_time: new Date(3_000).toISOString(), order_id: `${activityId}-4` },
  ];

  it('lists one winner per held order as JSON, oldest first, with usernames', async () => {
    const res = await h.call('GET', `/admin/activities/${activityId}/winners`);
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual({ activity_id: activityId, count: 4, winners: expected() });
  });

  it('answers CSV on ?format=csv and on Accept: text/csv', async () => {
    const csv = [
      'user_id,username,token_time,order_id',
      ...expected().map((w) => `${w.user_id},${w.username === null ? '' : `"${w.username}"`},${w.token_time},${w.order_id}`),
      '',
    ].join('\r\n');
    const auth = { authorization: `Bearer ${h.tokens.admin}` };
    const byQuery = await h.app.inject({ url: `/admin/activities/${activityId}/winners?format=csv`, headers: auth });
    expect([byQuery.statusCode, byQuery.headers['content-type'], byQuery.body]).toEqual([200, 'text/csv; charset=utf-8', csv]);
    const byAccept = await h.app.inject({ url: `/admin/activities/${activityId}/winners`, headers: { ...auth, accept: 'text/csv' } });
    expect(byAccept.body).toBe(csv);
  });

  it('refuses unknown activities, bad ids and formats, and shoppers', async () => {
    expect((await h.call('GET', '/admin/activities/999/winners')).status).toBe(404);
    const bad = await h.call('GET', '/admin/activities/x/winners');
    expect([bad.status, bad.body.errors[0].field]).toEqual([400, 'id']);
    const format = await h.call('GET', `/admin/activities/${activityId}/winners?format=xml`);
    expect([format.status, format.body.errors[0].field]).toEqual([400, 'format']);
    expect((await h.call('GET', `/admin/activities/${activityId}/winners`, undefined, h.tokens.shopper)).status).toBe(403);
  });
});
