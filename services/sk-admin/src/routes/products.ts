import { Codes, envelope, type SkFastify } from '@sk/http';
import { z } from 'zod';
import type { ProductStore } from '../product-store.js';
import { answers } from '../schemas/envelope.js';
import { idParamsSchema } from '../schemas/fields.js';
import { newProductSchema, productAnswer } from '../schemas/products.js';

// Straight to the store: a product is a name, with no rules beyond its columns.
export async function productRoutes(app: SkFastify, { products }: { products: ProductStore }) {
  app.post('/', { schema: { body: newProductSchema, response: answers(201, productAnswer, [400]) } }, async (req, reply) => {
    const created = await products.create(req.identity!, req.body.name);
    return reply.code(201).send(envelope(Codes.OK, { result: created }));
  });

  app.get('/', { schema: { response: answers(200, z.array(productAnswer)) } }, async () =>
    envelope(Codes.OK, { result: await products.list() }),
  );

  app.get('/:id', { schema: { params: idParamsSchema, response: answers(200, productAnswer, [400, 404]) } }, async (req) => {
    return envelope(Codes.OK, { result: await products.require(req.params.id) });
  });
}
