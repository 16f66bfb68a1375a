import { Codes, envelope, type SkFastify } from '@sk/http';
import type { BlacklistKind } from '@sk/seckill';
import type { FastifyRequest } from 'fastify';
import type { BlacklistService } from '../blacklist-service.js';
import { banBodySchema, bannedAnswer, blacklistAnswer, ipParamsSchema, unbannedAnswer } from '../schemas/blacklist.js';
import { answers } from '../schemas/envelope.js';
import { userParamsSchema } from '../schemas/fields.js';

export async function blacklistRoutes(app: SkFastify, { blacklist }: { blacklist: BlacklistService }) {
  const put = async (req: FastifyRequest, kind: BlacklistKind, value: string, reason = '') => {
    const { entry, mirror } = await blacklist.ban(req.identity!, kind, value, reason);
    return envelope(Codes.OK, { result: { ...entry, mirror } });
  };
  const remove = async (req: FastifyRequest, kind: BlacklistKind, value: string) => {
    const { mirror } = await blacklist.unban(req.identity!, kind, value);
    return envelope(Codes.OK, { result: { value, mirror } });
  };

  app.get('/', { schema: { response: answers(200, blacklistAnswer) } }, async () => envelope(Codes.OK, { result: await blacklist.list() }));

  app.put(
    '/users/:user_id',
    { schema: { params: userParamsSchema, body: banBodySchema, response: answers(200, bannedAnswer, [400, 404]) } },
    async (req) => put(req, 'user', req.params.user_id, req.body?.reason),
  );
  app.delete('/users/:user_id', { schema: { params: userParamsSchema, response: answers(200, unbannedAnswer, [400, 404]) } }, async (req) =>
    remove(req, 'user', req.params.user_id),
  );

  app.put(
    '/ips/:ip',
    { schema: { params: ipParamsSchema, body: banBodySchema, response: answers(200, bannedAnswer, [400]) } },
    async (req) => put(req, 'ip', req.params.ip, req.body?.reason),
  );
  app.delete('/ips/:ip', { schema: { params: ipParamsSchema, response: answers(200, unbannedAnswer, [400, 404]) } }, async (req) =>
    remove(req, 'ip', req.params.ip),
  );
}
