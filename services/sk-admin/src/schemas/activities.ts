import { PAY_WINDOW_DEFAULT_S, PAY_WINDOW_MAX_S, PAY_WINDOW_MIN_S, type ActivityConfig } from '@sk/seckill';
import { z } from 'zod';
import { mirrorStateAnswer } from './envelope.js';
import { idSchema, nameSchema } from './fields.js';

/** 9999-12-31T23:59:59Z, the last second a MySQL DATETIME holds. */
const LAST_UNIX_SECOND = 253_402_300_799;
/** Far above any real flash sale; keeps counters well inside INT UNSIGNED and Redis integers. */
const MAX_QUANTITY = 10_000_000;

/** An instant given as ISO-8601 (with `Z` or an offset) or as unix seconds. */
const instantSchema = z
  .union(
    [
      z
        .number()
        .int()
        .transform((s) => new Date(s * 1000)),
      z.iso.datetime({ offset: true }).transform((s) => new Date(s)),
    ],
    {
      error: 'an ISO-8601 date-time with offset, or unix seconds',
    },
  )
  .pipe(
    z
      .date()
      .min(new Date(0), 'not before 1970')
      .max(new Date(LAST_UNIX_SECOND * 1000), 'not after 9999'),
  );

const quantitySchema = z.number().int().min(1).max(MAX_QUANTITY);
/** 0 < rate ≤ 1, in the millionths the DECIMAL(7,6) column keeps (a smaller rate would be stored as 0). */
const buyRateSchema = z.number().min(0.000001).max(1);
/** Seconds an order may stay unpaid. */
const payWindowSchema = z.number().int().min(PAY_WINDOW_MIN_S).max(PAY_WINDOW_MAX_S);

export const newActivitySchema = z.object({
  name: nameSchema,
  product_id: idSchema,
  start_time: instantSchema,
  end_time: instantSchema,
  total: quantitySchema,
  buy_limit: quantitySchema,
  buy_rate: buyRateSchema.default(1),
  pay_window_s: payWindowSchema.default(PAY_WINDOW_DEFAULT_S),
});
/** `status` is not in `/admin/activities`' body (a new activity is enabled); the reference's routes set it. */
export type NewActivity = z.output<typeof newActivitySchema> & { status?: ActivityConfig['status'] };

export const activityChangesSchema = z
  .object({
    status: z.enum(['enabled', 'disabled']).optional(),
    end_time: instantSchema.optional(),
    total: quantitySchema.optional(),
    pay_window_s: payWindowSchema.optional(),
  })
  .refine((c) => c.status !== undefined || c.end_time !== undefined || c.total !== undefined || c.pay_window_s !== undefined, {
    error: 'at least one of status, end_time, total, pay_window_s',
  });
export type ActivityChanges = z.output<typeof activityChangesSchema>;

export const winnersQuerySchema = z.object({ format: z.enum(['json', 'csv']).optional() });

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
  mirror: mirrorStateAnswer,
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
