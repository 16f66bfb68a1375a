import { Codes, envelope, type SkFastify } from '@sk/http';
import { z } from 'zod';
import { answers, createdUsersAnswer } from '../answers.js';
import type { AuditLog } from '../audit.js';
import { newUsersSchema, type UserStore } from '../users.js';

/** Room for 10,000 users with the longest names and passwords; the suite's 16 KiB limit is for everything else. */
const USERS_BODY_LIMIT = 4 * 1024 * 1024;

export async function userRoutes(app: SkFastify, { users, audit }: { users: UserStore; audit: AuditLog }) {
  app.post('/', { bodyLimit: USERS_BODY_LIMIT, schema: { body: z.object({ users: newUsersSchema }), response: answers(201, createdUsersAnswer, [400]) } }, async (req, reply) => {
    const created = await users.createMany(req.body.users);
    // One entry for the whole batch; passwords never reach the log.
    await audit.record(req.identity!, 'users.create', `users:${created.length}`, null, created);
    return reply.code(201).send(envelope(Codes.OK, { result: created }));
  });
}
