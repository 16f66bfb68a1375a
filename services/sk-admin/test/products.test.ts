import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('sk_admin_products');
});
afterAll(async () => {
  await h?.close();
});

describe('admin auth', () => {
  it('refuses a request without a token with 401/1103', async () => {
    const res = await h.call('GET', '/admin/products', undefined, null);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe(1103);
  });

  it('refuses a token it cannot verify with 401/1103', async () => {
    for (const token of ['not-a-jwt', await h.tokens.sign(1, 'admin', ['admin'], 'someone-else')]) {
      const res = await h.call('GET', '/admin/products', undefined, token);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe(1103);
    }
  });

  it('refuses a shopper with 403/1112, before reading the body', async () => {
    const res = await h.call('POST', '/admin/products', { name: 'not for shoppers' }, h.tokens.shopper);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe(1112);
    expect(await h.count('products')).toBe(0);
  });

  it('keeps /health open', async () => {
    const res = await h.call('GET', '/health', undefined, null);
    expect(res.status).toBe(200);
  });
});

describe('products', () => {
  it('creates, lists and gets products', async () => {
    const created = await h.call('POST', '/admin/products', { name: '  Phone X  ' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code: 0, result: { name: 'Phone X' } });
    const { product_id, created_at } = created.body.result;
    expect(product_id).toBeGreaterThan(0);
    expect(new Date(created_at).toISOString()).toBe(created_at);

    const second = await h.call('POST', '/admin/products', { name: 'Tablet' });
    const list = await h.call('GET', '/admin/products');
    expect(list.status).toBe(200);
    expect(list.body.result.map((p: { name: string }) => p.name)).toEqual(['Phone X', 'Tablet']);

    const one = await h.call('GET', `/admin/products/${second.body.result.product_id}`);
    expect(one.status).toBe(200);
    expect(one.body.result).toEqual(second.body.result);
  });

  it('answers 404/1003 for an unknown product and 400 for a malformed id', async () => {
    const missing = await h.call('GET', '/admin/products/999999');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe(1003);
    const malformed = await h.call('GET', '/admin/products/1e3');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([expect.objectContaining({ field: 'id' })]);
  });

  it.each([
    ['missing name', {}],
    ['blank name', { name: '   ' }],
    ['name of 201 chars', { name: 'x'.repeat(201) }],
    ['name not a string', { name: 42 }],
  ])('refuses %s with 400/1101 and writes nothing', async (_label, body) => {
    const before = await h.count('products');
    const res = await h.call('POST', '/admin/products', body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 1101, errors: [expect.objectContaining({ field: 'name' })] });
    expect(await h.count('products')).toBe(before);
  });
});
