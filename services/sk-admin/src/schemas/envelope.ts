import { z } from 'zod';

/**
 * What the admin routes answer, as zod schemas: fastify serializes each answer through them and
 * `/docs/json` is generated from them, so the documentation cannot drift from the answers. The
 * envelope is here; each resource's `result` is in its own file beside this one.
 */

const errorEnvelope = z
  .object({
    code: z.number().int().meta({ description: 'contract code (CONTRACT §2)' }),
    message: z.string(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'each bad field, on 400/1101' }),
  })
  .meta({ description: 'a refusal or failure' });

const ERRORS = {
  400: 'invalid request (1101): `errors` names each bad field',
  401: 'missing, invalid or expired access token (1103)',
  403: 'token without role admin (1112)',
  404: 'no such resource (1003)',
  503: 'MySQL, Redis or the token keys unavailable (1001/1111)',
} as const;
type ErrorStatus = keyof typeof ERRORS;

/**
 * The responses of an admin route: the success envelope with `result`, and the contract's error
 * envelope for 401, 403 and 503 (every admin route) plus the statuses given.
 */
export function answers<S extends 200 | 201, R extends z.ZodType>(status: S, result: R, errors: ErrorStatus[] = []) {
  const refusals = Object.fromEntries(
    [...errors, 401, 403, 503].map((s) => [s, errorEnvelope.meta({ description: ERRORS[s as ErrorStatus] })]),
  ) as Record<ErrorStatus, typeof errorEnvelope>;
  const ok = z.object({ code: z.number().int().meta({ description: '0' }), message: z.string(), result });
  return { ...refusals, [status]: ok } as Record<ErrorStatus, typeof errorEnvelope> & Record<S, typeof ok>;
}

/** Whether a change reached the copies others read: activities' znodes, blacklists' Redis copy. */
export const mirrorStateAnswer = z
  .enum(['done', 'pending'])
  .meta({ description: '`pending` until ZooKeeper (or Redis, for blacklists) took the change' });
