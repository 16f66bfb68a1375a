import { Codes, envelope, type SkFastify } from '@sk/http';
import { answers, auditAnswer } from '../answers.js';
import { auditQuerySchema, type AuditLog } from '../audit.js';

export async function auditRoutes(app: SkFastify, { audit }: { audit: AuditLog }) {
  app.get('/', { schema: { querystring: auditQuerySchema, response: answers(200, auditAnswer, [400]) } }, async (req) => {
    const { limit, offset } = req.query;
    const { total, entries } = await audit.list(limit, offset);
    return envelope(Codes.OK, { result: { total, limit, offset, entries } });
  });
}
