import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('sk_admin_reference');
});
afterAll(async () => {
  await h?.close();
});

const startSeconds = Math.floor(Date.now() / 1000) + 3_600;

/** An activity body as the Go reference's clients send it. */
const goActivity = (productId: number, status: number) => ({
  activity_name: 'reference sale',
  product_id: productId,
  start_time: startSeconds,
  end_time: startSeconds + 600,
  total: 101,
  status,
  sec_speed: 1,
  buy_limit: 1,
  buy_rate: 0.2,
});

describe("the Go reference's routes", () => {
  it('creates and lists products and activities from reference bodies', async () => {
    const product = await h.call('POST', '/product/create', { product_id: 6, product_name: 'Pear 6', status: 1, total: 100 });
    expect(product.status).toBe(201);
    expect(product.body).toMatchObject({ code: 0, result: { name: 'Pear 6', product_id: expect.any(Number) } });
    const productId = product.body.result.product_id;

    const products = await h.call('GET', '/product/list');
    expect(products.body.result).toEqual([product.body.result]);
    // The same store as /admin/products.
    expect((await h.call('GET', `/admin/products/${productId}`)).body.result).toEqual(product.body.result);

    const activity = await h.call('POST', '/activity/create', goActivity(productId, 0));
    expect(activity.status).toBe(201);
    expect(activity.body.result).toMatchObject({
      name: 'reference sale',
      product_id: productId,
      start_time: new Date(startSeconds * 1000).toISOString(),
      end_time: new Date((startSeconds + 600) * 1000).toISOString(),
      total: 101,
      buy_limit: 1,
      buy_rate: 0.2,
      status: 'enabled',
      mirror: 'done',
    });
    expect(await h.znode(activity.body.result.activity_id)).toMatchObject({ name: 'reference sale', total: 101, status: 'enabled' });

    const disabled = await h.call('POST', '/activity/create', goActivity(productId, 1));
    expect(disabled.body.result.status).toBe('disabled');
    expect(await h.znode(disabled.body.result.activity_id)).toMatchObject({ status: 'disabled' });

    const list = await h.call('GET', '/activity/list');
    expect(list.status).toBe(200);
    expect(list.body.result.map((a: { activity_id: number }) => a.activity_id)).toEqual([
      activity.body.result.activity_id,
      disabled.body.result.activity_id,
    ]);
    expect(list.body.result[0]).toMatchObject({ sold: 0, remaining: 101 });
  });

  it('validates reference bodies under their own field names', async () => {
    const before = await h.count('activities');
    const res = await h.call('POST', '/activity/create', { ...goActivity(1, 2), activity_name: '', end_time: startSeconds - 1 });
    expect(res.status).toBe(400);
    const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['activity_name', 'status']);
    expect(await h.count('activities')).toBe(before);

    const product = await h.call('POST', '/product/create', { name: 'wrong field' });
    expect(product.status).toBe(400);
    expect(product.body.errors).toEqual([expect.objectContaining({ field: 'product_name' })]);
  });

  it('needs an admin token like /admin', async () => {
    expect((await h.call('GET', '/product/list', undefined, null)).status).toBe(401);
    expect((await h.call('GET', '/activity/list', undefined, h.tokens.shopper)).status).toBe(403);
    const refused = await h.call('POST', '/product/create', { product_name: 'nope' }, h.tokens.shopper);
    expect(refused.body.code).toBe(1112);
  });
});
