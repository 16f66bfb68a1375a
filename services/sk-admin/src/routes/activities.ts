import { Codes, envelope, type SkFastify } from '@sk/http';
import { activityChangesSchema, newActivitySchema } from '../activities.js';
import type { ActivityService } from '../activity-service.js';
import { idParamsSchema } from '../fields.js';

export async function activityRoutes(app: SkFastify, { activities }: { activities: ActivityService }) {
  app.post('/', { schema: { body: newActivitySchema } }, async (req, reply) => {
    return reply.code(201).send(envelope(Codes.OK, { result: await activities.create(req.body) }));
  });

  app.get('/', async () => envelope(Codes.OK, { result: await activities.list() }));

  app.get('/:id', { schema: { params: idParamsSchema } }, async (req) => {
    return envelope(Codes.OK, { result: await activities.get(req.params.id) });
  });

  app.patch('/:id', { schema: { params: idParamsSchema, body: activityChangesSchema } }, async (req) => {
    return envelope(Codes.OK, { result: await activities.update(req.params.id, req.body) });
  });
}
