import { z } from 'zod';
import { mirrorStateAnswer } from './envelope.js';

const MAX_USERS_PER_REQUEST = 10_000;

const newUsersSchema = z
  .array(
    z.object({
      username: z
        .string()
        .min(1)
        .max(64)
        .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
      password: z.string().min(6).max(128),
    }),
  )
  .min(1)
  .max(MAX_USERS_PER_REQUEST)
  .superRefine((users, ctx) => {
    const firstIndex = new Map<string, number>();
    users.forEach(({ username }, i) => {
      const first = firstIndex.get(username);
      if (first === undefined) firstIndex.set(username, i);
      else ctx.addIssue({ code: 'custom', path: [i, 'username'], message: `duplicate of users.${first}.username` });
    });
  });
export type NewUser = z.output<typeof newUsersSchema>[number];

export const newUsersBodySchema = z.object({ users: newUsersSchema });

const userAnswer = z.object({ user_id: z.number().int(), username: z.string() });
export const createdUsersAnswer = z.array(userAnswer);
export const deletedUserAnswer = userAnswer.extend({ mirror: mirrorStateAnswer });
