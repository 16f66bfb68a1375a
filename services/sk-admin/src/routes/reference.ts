import { Codes, envelope, type SkFastify } from '@sk/http';
import { z } from 'zod';
import type { ActivityService } from '../activity-service.js';
import type { ProductStore } from '../product-store.js';
import { activityAnswer, liveActivityAnswer } from '../schemas/activities.js';
import { answers } from '../schemas/envelope.js';
import { productAnswer } from '../schemas/products.js';
import { referenceActivitySchema, referenceProductSchema } from '../schemas/reference.js';

/** The reference's routes on sk-admin's own port, mapped onto the same use cases as `/admin/*`. */
export async function referenceRoutes(app: SkFastify, deps: { products: ProductStore; activities: ActivityService }) {
  app.get('/product/list', { schema: { response: answers(200, z.array(productAnswer)) } }, async () =>
    envelope(Codes.OK, { result: await deps.products.list() }),
  );

  app.post(
    '/product/create',
    { schema: { body: referenceProductSchema, response: answers(201, productAnswer, [400]) } },
    async (req, reply) => {
      const created = await deps.products.create(req.identity!, req.body.product_name);
      return reply.code(201).send(envelope(Codes.OK, { result: created }));
    },
  );

  app.get('/activity/list', { schema: { response: answers(200, z.array(liveActivityAnswer)) } }, async () =>
    envelope(Codes.OK, { result: await deps.activities.list() }),
  );

  app.post(
    '/activity/create',
    { schema: { body: referenceActivitySchema, response: answers(201, activityAnswer, [400]) } },
    async (req, reply) => {
      const created = await deps.activities.create(req.identity!, req.body);
      return reply.code(201).send(envelope(Codes.OK, { result: created }));
    },
  );
}
