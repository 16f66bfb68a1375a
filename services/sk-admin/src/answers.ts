import { ORDER_STATUSES } from '@sk/orders';
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
  pay_window_s: z.number().int().meta({ description: 'seconds an order may stay unpaid' }),
  version: z.number().int(),
  mirror: mirrorState,
});

export const liveActivityAnswer = activityAnswer.extend({
  sold: z.number().int(),
  remaining: z.number().int(),
  orders: z
    .object({ unpaid: z.number().int(), paid: z.number().int(), expired: z.number().int(), cancelled: z.number().int() })
    .meta({ description: 'its orders by status (MySQL)' }),
});

export const activityStatsAnswer = liveActivityAnswer.extend({
  requests: z.number().int().meta({ description: '/sec/kill requests answered for this activity, on every sk-app' }),
  answers: z.record(z.string().regex(/^\d+$/), z.number().int()).meta({ description: 'those answers by contract code' }),
});

export const winnersAnswer = z.object({
  activity_id: z.number().int(),
  count: z.number().int(),
  winners: z.array(
    z.object({ user_id: z.number().int(), username: z.string().nullable(), token_time: z.iso.datetime(), order_id: z.string() }).meta({
      description: 'one per order holding a unit',
    }),
  ),
});

export const reconciliationAnswer = z.object({
  sold: z.number().int().meta({ description: 'units the sale counts as held (Redis)' }),
  held: z.number().int().meta({ description: 'unpaid and paid orders (MySQL)' }),
  drift: z.number().int().meta({ description: 'sold − held: 0 once in-flight orders are stored' }),
});

const nextCursor = z.string().nullable().meta({ description: '`cursor` of the next page; null on the last one' });

const orderAnswer = z.object({
  order_id: z.string(),
  activity_id: z.number().int(),
  product_id: z.number().int(),
  user_id: z.number().int(),
  status: z.enum(ORDER_STATUSES),
  created_at: z.iso.datetime(),
  pay_by: z.iso.datetime(),
  paid_at: z.iso.datetime().nullable(),
});

export const ordersPageAnswer = z.object({ orders: z.array(orderAnswer).meta({ description: 'newest first' }), next_cursor: nextCursor });

export const refundsPageAnswer = z.object({
  refunds: z
    .array(
      z.object({
        payment_id: z.string(),
        order_id: z.string(),
        provider: z.string(),
        received_at: z.iso.datetime(),
        order: orderAnswer.nullable().meta({ description: 'null when no such order is stored' }),
      }),
    )
    .meta({ description: 'payments kept as refunds due (their order had expired, been cancelled or been paid already), newest first' }),
  next_cursor: nextCursor,
});

const userAnswer = z.object({ user_id: z.number().int(), username: z.string() });
export const createdUsersAnswer = z.array(userAnswer);
export const deletedUserAnswer = userAnswer.extend({ mirror: mirrorState });

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
