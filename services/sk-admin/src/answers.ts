import { BLACKLIST_SOURCES } from '@sk/seckill';
import { z } from 'zod';

/**
 * What the admin routes answer, as zod schemas: fastify serializes each answer through them and
 * `/docs/json` is generated from them, so the documentation cannot drift from the answers.
 */

const errorEnvelope = z
  .object({
    code: z.number().int().meta({ description: 'contract code (CONTRACT §2)' }),
    message: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional().meta({ description: 'each bad field, on 400/1101' }),
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

const mirrorState = z.enum(['done', 'pending']).meta({ description: '`pending` until ZooKeeper (or Redis, for blacklists) took the change' });

export const productAnswer = z.object({ product_id: z.number().int(), name: z.string(), created_at: z.date() });

export const activityAnswer = z.object({
  activity_id: z.number().int(),
  name: z.string(),
  product_id: z.number().int(),
  start_time: z.iso.datetime(),
  end_time: z.iso.datetime(),
  total: z.number().int(),
  buy_limit: z.number().int(),
  buy_rate: z.number(),
  status: z.enum(['enabled', 'disabled']),
  version: z.number().int(),
  mirror: mirrorState,
});

export const liveActivityAnswer = activityAnswer.extend({
  sold: z.number().int(),
  remaining: z.number().int(),
});

export const activityStatsAnswer = liveActivityAnswer.extend({
  requests: z.number().int().meta({ description: '/sec/kill requests answered for this activity, on every sk-app' }),
  answers: z.record(z.string().regex(/^\d+$/), z.number().int()).meta({ description: 'those answers by contract code' }),
});

export const winnersAnswer = z.object({
  activity_id: z.number().int(),
  count: z.number().int(),
  winners: z.array(z.object({ user_id: z.number().int(), username: z.string().nullable(), token_time: z.iso.datetime() })),
});

export const createdUsersAnswer = z.array(z.object({ user_id: z.number().int(), username: z.string() }));

const blacklistEntry = z.object({
  value: z.string(),
  source: z.enum(BLACKLIST_SOURCES),
  reason: z.string(),
  expires_at: z.iso.datetime().nullable().meta({ description: 'null for an operator’s (permanent) entry' }),
  created_by: z.string().nullable(),
  created_at: z.iso.datetime().nullable(),
});
export const blacklistAnswer = z.object({ users: z.array(blacklistEntry), ips: z.array(blacklistEntry) });
export const bannedAnswer = blacklistEntry.extend({ mirror: mirrorState });
export const unbannedAnswer = z.object({ value: z.string(), mirror: mirrorState });

export const auditAnswer = z.object({
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  entries: z.array(
    z.object({
      id: z.number().int(),
      at: z.date(),
      actor_id: z.number().int(),
      actor: z.string(),
      action: z.string(),
      target: z.string(),
      before: z.unknown(),
      after: z.unknown(),
    }),
  ),
});
