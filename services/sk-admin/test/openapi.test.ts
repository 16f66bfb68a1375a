import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness('sk_admin_openapi');
});
afterAll(async () => {
  await h?.close();
});

interface Operation {
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
  security?: unknown[];
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

/** Every operator route, as fastify spells its path parameters in OpenAPI. */
const ADMIN_ROUTES = [
  ['post', '/admin/products/'],
  ['get', '/admin/products/'],
  ['get', '/admin/products/{id}'],
  ['post', '/admin/activities/'],
  ['get', '/admin/activities/'],
  ['get', '/admin/activities/{id}'],
  ['patch', '/admin/activities/{id}'],
  ['get', '/admin/activities/{id}/winners'],
  ['get', '/admin/activities/{id}/reconciliation'],
  ['post', '/admin/activities/{id}/reconciliation'],
  ['get', '/admin/orders/'],
  ['get', '/admin/refunds/'],
  ['post', '/admin/users/'],
  ['delete', '/admin/users/{user_id}'],
  ['get', '/admin/blacklist/'],
  ['put', '/admin/blacklist/users/{user_id}'],
  ['delete', '/admin/blacklist/users/{user_id}'],
  ['put', '/admin/blacklist/ips/{ip}'],
  ['delete', '/admin/blacklist/ips/{ip}'],
  ['get', '/admin/audit/'],
  ['get', '/product/list'],
  ['post', '/product/create'],
  ['get', '/activity/list'],
  ['post', '/activity/create'],
] as const;
const WITH_BODY = new Set(['post', 'patch', 'put']);
/** Writes whose path says everything: a repair. */
const WITHOUT_BODY = new Set(['post /admin/activities/{id}/reconciliation']);

describe('the OpenAPI document', () => {
  let doc: Document;

  beforeAll(async () => {
    // Public: no token.
    const res = await h.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });

  it('is OpenAPI 3 and lists exactly the admin routes', () => {
    expect(doc.openapi).toMatch(/^3\./);
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(listed.sort()).toEqual(ADMIN_ROUTES.map(([m, p]) => `${m} ${p}`).sort());
  });

  it.each(ADMIN_ROUTES)('documents %s %s with its body, a 2xx and the error envelopes', (method, path) => {
    const op = doc.paths[path]![method]!;
    expect(op.security).toEqual([{ bearer: [] }]);
    if (WITH_BODY.has(method) && !WITHOUT_BODY.has(`${method} ${path}`))
      expect(op.requestBody?.content['application/json']?.schema).toBeDefined();
    const ok = Object.keys(op.responses).find((s) => s.startsWith('2'));
    expect(ok).toBeDefined();
    const okSchema = op.responses[ok!]!.content!['application/json']!.schema;
    expect(JSON.stringify(okSchema)).toContain('"result"');
    for (const status of ['401', '403', '503']) {
      const schema = op.responses[status]!.content!['application/json']!.schema as { properties: Record<string, unknown> };
      expect(Object.keys(schema.properties)).toEqual(['code', 'message', 'errors']);
    }
    if (op.requestBody || path.includes('{')) expect(op.responses['400']).toBeDefined();
  });

  it('names the fields of a request body and of an answer', () => {
    const create = doc.paths['/admin/activities/']!.post!;
    const body = create.requestBody!.content['application/json']!.schema;
    expect(Object.keys(body.properties!)).toEqual([
      'name',
      'product_id',
      'start_time',
      'end_time',
      'total',
      'buy_limit',
      'buy_rate',
      'pay_window_s',
    ]);
    const one = doc.paths['/admin/activities/{id}']!.get!.responses['200']!.content!['application/json']!.schema as {
      properties: { result: { properties: Record<string, unknown> } };
    };
    expect(Object.keys(one.properties.result.properties)).toEqual(
      expect.arrayContaining(['activity_id', 'sold', 'remaining', 'orders', 'mirror', 'requests', 'answers']),
    );
    expect(doc.paths['/admin/activities/{id}']!.get!.responses['404']).toBeDefined();
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger');
  });
});

describe('answers through the documented schemas', () => {
  it('keeps every field of the envelope and of the result', async () => {
    const created = await h.call('POST', '/admin/products', { name: 'Phone' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      code: 0,
      message: 'ok',
      result: { product_id: expect.any(Number), name: 'Phone', created_at: expect.any(String) },
    });
    expect(new Date(created.body.result.created_at).toString()).not.toBe('Invalid Date');
  });

  it('answers errors in the contract envelope with the bad fields', async () => {
    const res = await h.call('POST', '/admin/products', { name: 7 });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: 1101, message: 'invalid request', errors: [{ field: 'name', message: expect.any(String) }] });
    expect((await h.call('GET', '/admin/products/999999')).body).toEqual({ code: 1003, message: 'product 999999 not found' });
    expect((await h.call('GET', '/admin/products', undefined, null)).body).toMatchObject({ code: 1103 });
  });
});
