import { Codes, envelope, type SkFastify } from '@sk/http';
import { z } from 'zod';
import { answers, createdUsersAnswer, deletedUserAnswer } from '../answers.js';
import { userParamsSchema, type BlacklistService } from '../blacklist.js';
import { newUsersSchema, type UserStore } from '../users.js';

/** Room for 10,000 users with the longest names and passwords; the suite's 16 KiB limit is for everything else. */
const USERS_BODY_LIMIT = 4 * 1024 * 1024;

export async function userRoutes(app: SkFastify, { users, blacklist }: { users: UserStore; blacklist: BlacklistService }) {
  app.post('/', { bodyLimit: USERS_BODY_LIMIT, schema: { body: z.object({ users: newUsersSchema }), response: answers(201, createdUsersAnswer, [400]) } }, async (req, reply) => {
    const created = await users.createMany(req.identity!, req.body.users);
    return reply.code(201).send(envelope(Codes.OK, { result: created }));
  });

  app.delete('/:user_id', { schema: { params: userParamsSchema, response: answers(200, deletedUserAnswer, [400, 404]) } }, async (req) => {
    const deleted = await users.delete(req.identity!, Number(req.params.user_id));
    return envelope(Codes.OK, { result: { ...deleted, mirror: await blacklist.announceCommitted() } });
  });
}
