import { Codes, envelope, type SkFastify } from '@sk/http';
import { z } from 'zod';
import { newActivitySchema, type NewActivity } from './activities.js';
import type { ActivityService } from './activity-service.js';
import { activityAnswer, answers, liveActivityAnswer, productAnswer } from './answers.js';
import { nameSchema } from './fields.js';
import type { ProductStore } from './products.js';

/**
 * The Go reference's product body. Its `total` and `status` are not kept: stock belongs to
 * activities here, and products have no state.
 */
const referenceProductSchema = z.object({ product_name: nameSchema });

const { name: activityName, ...activityFields } = newActivitySchema.shape;

/** The Go reference's activity body: `activity_name`, and `status` 0 (normal) or 1 (disabled). */
const referenceActivitySchema = z
  .object({ activity_name: activityName, ...activityFields, status: z.literal([0, 1], { error: '0 (normal) or 1 (disabled)' }).default(0) })
  .transform(({ activity_name, status, ...fields }): NewActivity => ({
    ...fields,
    name: activity_name,
    status: status === 1 ? 'disabled' : 'enabled',
  }));

/** The reference's routes on sk-admin's own port, mapped onto the same use cases as `/admin/*`. */
export async function referenceRoutes(app: SkFastify, deps: { products: ProductStore; activities: ActivityService }) {
  app.get('/product/list', { schema: { response: answers(200, z.array(productAnswer)) } }, async () => envelope(Codes.OK, { result: await deps.products.list() }));

  app.post('/product/create', { schema: { body: referenceProductSchema, response: answers(201, productAnswer, [400]) } }, async (req, reply) => {
    const created = await deps.products.create(req.identity!, req.body.product_name);
    return reply.code(201).send(envelope(Codes.OK, { result: created }));
  });

  app.get('/activity/list', { schema: { response: answers(200, z.array(liveActivityAnswer)) } }, async () => envelope(Codes.OK, { result: await deps.activities.list() }));

  app.post('/activity/create', { schema: { body: referenceActivitySchema, response: answers(201, activityAnswer, [400]) } }, async (req, reply) => {
    const created = await deps.activities.create(req.identity!, req.body);
    return reply.code(201).send(envelope(Codes.OK, { result: created }));
  });
}
