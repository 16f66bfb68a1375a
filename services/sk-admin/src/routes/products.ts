import { Codes, SkError, envelope, type SkFastify } from '@sk/http';
import { z } from 'zod';
import { answers, productAnswer } from '../answers.js';
import { idParamsSchema, nameSchema } from '../fields.js';
import type { ProductStore } from '../products.js';

export async function productRoutes(app: SkFastify, { products }: { products: ProductStore }) {
  app.post('/', { schema: { body: z.object({ name: nameSchema }), response: answers(201, productAnswer, [400]) } }, async (req, reply) => {
    const created = await products.create(req.identity!, req.body.name);
    return reply.code(201).send(envelope(Codes.OK, { result: created }));
  });

  app.get('/', { schema: { response: answers(200, z.array(productAnswer)) } }, async () => envelope(Codes.OK, { result: await products.list() }));

  app.get('/:id', { schema: { params: idParamsSchema, response: answers(200, productAnswer, [400, 404]) } }, async (req) => {
    const product = await products.get(req.params.id);
    if (!product) throw new SkError(Codes.NOT_FOUND, `product ${req.params.id} not found`);
    return envelope(Codes.OK, { result: product });
  });
}
