import { Codes, envelope, type SkFastify } from '@sk/http';
import { z } from 'zod';
import type { ActivityService } from '../activity-service.js';
import {
  activityAnswer,
  activityChangesSchema,
  activityStatsAnswer,
  liveActivityAnswer,
  newActivitySchema,
  reconciliationAnswer,
  winnersAnswer,
  winnersQuerySchema,
} from '../schemas/activities.js';
import { answers } from '../schemas/envelope.js';
import { idParamsSchema } from '../schemas/fields.js';
import type { Winner, WinnersReader } from '../winners-reader.js';

export async function activityRoutes(app: SkFastify, { activities, winners }: { activities: ActivityService; winners: WinnersReader }) {
  app.post('/', { schema: { body: newActivitySchema, response: answers(201, activityAnswer, [400]) } }, async (req, reply) => {
    const created = await activities.create(req.identity!, req.body);
    return reply.code(201).send(envelope(Codes.OK, { result: created }));
  });

  app.get('/', { schema: { response: answers(200, z.array(liveActivityAnswer)) } }, async () =>
    envelope(Codes.OK, { result: await activities.list() }),
  );

  app.get('/:id', { schema: { params: idParamsSchema, response: answers(200, activityStatsAnswer, [400, 404]) } }, async (req) => {
    return envelope(Codes.OK, { result: await activities.get(req.params.id) });
  });

  app.patch(
    '/:id',
    { schema: { params: idParamsSchema, body: activityChangesSchema, response: answers(200, activityAnswer, [400, 404]) } },
    async (req) => {
      return envelope(Codes.OK, { result: await activities.update(req.identity!, req.params.id, req.body) });
    },
  );

  // CSV on `?format=csv`, or without a format when Accept names text/csv and not JSON.
  const winnersAnswers = answers(200, winnersAnswer, [400, 404]);
  const winnersSchema = {
    description: 'JSON, or CSV (`user_id,username,token_time,order_id`) on `?format=csv` or an Accept naming only text/csv.',
    params: idParamsSchema,
    querystring: winnersQuerySchema,
    response: { ...winnersAnswers, 200: winnersAnswers[200].or(z.string().meta({ description: 'text/csv' })) },
  };
  app.get('/:id/winners', { schema: winnersSchema }, async (req, reply) => {
    const list = await winners.of(req.params.id);
    const csv = req.query.format === 'csv' || (req.query.format === undefined && acceptsOnlyCsv(req.headers.accept));
    if (csv) return reply.type('text/csv; charset=utf-8').send(winnersCsv(list));
    return envelope(Codes.OK, { result: { activity_id: req.params.id, count: list.length, winners: list } });
  });

  const reconciliationSchema = { params: idParamsSchema, response: answers(200, reconciliationAnswer, [400, 404]) };
  app.get('/:id/reconciliation', { schema: reconciliationSchema }, async (req) => {
    return envelope(Codes.OK, { result: await activities.reconciliation(req.params.id) });
  });
  app.post(
    '/:id/reconciliation',
    { schema: { ...reconciliationSchema, description: 'Rebuilds the sale counts from MySQL; answers the reconciliation after.' } },
    async (req) => {
      return envelope(Codes.OK, { result: await activities.reconcile(req.identity!, req.params.id) });
    },
  );
}

const acceptsOnlyCsv = (accept = ''): boolean => accept.includes('text/csv') && !accept.includes('application/json');

/** RFC 4180 CSV with a header line; usernames are quoted (they may hold `.`, `-`, `_` only, but stay safe). */
function winnersCsv(winners: Winner[]): string {
  const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const lines = winners.map((w) => `${w.user_id},${w.username === null ? '' : quote(w.username)},${w.token_time},${w.order_id}`);
  return ['user_id,username,token_time,order_id', ...lines].join('\r\n') + '\r\n';
}
