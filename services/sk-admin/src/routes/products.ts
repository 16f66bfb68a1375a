import { Codes, SkError, envelope, type SkFastify } from '@sk/http';
import { z } from 'zod';
import { idParamsSchema, nameSchema } from '../fields.js';
import type { ProductStore } from '../products.js';

export async function productRoutes(app: SkFastify, { products }: { products: ProductStore }) {
  app.post('/', { schema: { body: z.object({ name: nameSchema }) } }, async (req, reply) => {
    return reply.code(201).send(envelope(Codes.OK, { result: await products.create(req.body.name) }));
  });

  app.get('/', async () => envelope(Codes.OK, { result: await products.list() }));

  app.get('/:id', { schema: { params: idParamsSchema } }, async (req) => {
    const product = await products.get(req.params.id);
    if (!product) throw new SkError(Codes.NOT_FOUND, `product ${req.params.id} not found`);
    return envelope(Codes.OK, { result: product });
  });
}
