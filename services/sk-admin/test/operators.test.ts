import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

// The harness's admin token is user 1's, with the admin role in it for its whole life.
let h: Harness;

beforeAll(async () => {
  h = await startHarness('sk_admin_operators', { checkOperators: true });
  await h.mysql.query("INSERT INTO users (id, username, password_hash, roles) VALUES (1, 'admin', 'x', 'admin,user')");
});

afterAll(async () => {
  await h?.close();
});

describe('an operator demoted', () => {
  it('loses the admin API within 2 s though their token still says admin, and gets it back when promoted again', async () => {
    expect((await h.call('GET', '/admin/products')).status).toBe(200);
    await h.mysql.query("UPDATE users SET roles = 'user' WHERE id = 1");
    await expect.poll(async () => (await h.call('GET', '/admin/products')).body.code, { timeout: 2_000, interval: 100 }).toBe(1112);
    await h.mysql.query("UPDATE users SET roles = 'admin,user' WHERE id = 1");
    await expect.poll(async () => (await h.call('GET', '/admin/products')).status, { timeout: 2_000, interval: 100 }).toBe(200);
    // A user the table does not hold is no operator either.
    await h.mysql.query('DELETE FROM users WHERE id = 1');
    await expect.poll(async () => (await h.call('GET', '/admin/products')).status, { timeout: 2_000, interval: 100 }).toBe(403);
  });
});
