import { Codes, envelope, type SkFastify } from '@sk/http';
import type { AuditLog } from '../audit-log.js';
import { auditAnswer, auditQuerySchema } from '../schemas/audit.js';
import { answers } from '../schemas/envelope.js';

// Straight to the log: listing it is a read of the table.
export async function auditRoutes(app: SkFastify, { audit }: { audit: AuditLog }) {
  app.get('/', { schema: { querystring: auditQuerySchema, response: answers(200, auditAnswer, [400]) } }, async (req) => {
    const { limit, offset } = req.query;
    const { total, entries } = await audit.list(limit, offset);
    return envelope(Codes.OK, { result: { total, limit, offset, entries } });
  });
}
