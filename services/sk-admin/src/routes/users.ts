import { Codes, envelope, type SkFastify } from '@sk/http';
import { answers } from '../schemas/envelope.js';
import { userParamsSchema } from '../schemas/fields.js';
import { createdUsersAnswer, deletedUserAnswer, newUsersBodySchema } from '../schemas/users.js';
import type { UserService } from '../user-service.js';

/** Room for 10,000 users with the longest names and passwords; the suite's 16 KiB limit is for everything else. */
const USERS_BODY_LIMIT = 4 * 1024 * 1024;

export async function userRoutes(app: SkFastify, { users }: { users: UserService }) {
  app.post(
    '/',
    { bodyLimit: USERS_BODY_LIMIT, schema: { body: newUsersBodySchema, response: answers(201, createdUsersAnswer, [400]) } },
    async (req, reply) => {
      const created = await users.createMany(req.identity!, req.body.users);
      return reply.code(201).send(envelope(Codes.OK, { result: created }));
    },
  );

  app.delete('/:user_id', { schema: { params: userParamsSchema, response: answers(200, deletedUserAnswer, [400, 404]) } }, async (req) => {
    return envelope(Codes.OK, { result: await users.delete(req.identity!, Number(req.params.user_id)) });
  });
}
