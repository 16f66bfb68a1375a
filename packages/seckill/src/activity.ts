import { remainingOf } from './stock.js';
import { z } from 'zod';

/** An order's payment window, in seconds (CONTRACT §4b). */
export const PAY_WINDOW_MIN_S = 5;
export const PAY_WINDOW_MAX_S = 86_400;
export const PAY_WINDOW_DEFAULT_S = 900;

/** An activity as mirrored to ZooKeeper by sk-admin and held in memory by sk-app and sk-core. */
export const activityConfigSchema = z.object({
  activity_id: z.number().int().positive(),
  product_id: z.number().int().positive(),
  name: z.string(),
  start_time: z.number().int(),
  end_time: z.number().int(),
  total: z.number().int().positive(),
  buy_limit: z.number().int().positive(),
  buy_rate: z.number().gt(0).lte(1),
  status: z.enum(['enabled', 'disabled']),
  version: z.number().int().nonnegative(),
  /** Seconds an order may stay unpaid; mirrors written before it existed hold the default. */
  pay_window_s: z.number().int().min(PAY_WINDOW_MIN_S).max(PAY_WINDOW_MAX_S).default(PAY_WINDOW_DEFAULT_S),
});
export type ActivityConfig = z.output<typeof activityConfigSchema>;

export type ActivityStatus = 'not_started' | 'on_sale' | 'sold_out' | 'ended' | 'disabled';

export function activityStatus(a: ActivityConfig, now: number, sold: number): ActivityStatus {
  if (a.status === 'disabled') return 'disabled';
  if (now >= a.end_time) return 'ended';
  if (now < a.start_time) return 'not_started';
  if (sold >= a.total) return 'sold_out';
  return 'on_sale';
}

/** What shoppers see of an activity (CONTRACT §4). */
export function shopperView(a: ActivityConfig, now: number, sold: number) {
  return {
    activity_id: a.activity_id,
    product_id: a.product_id,
    name: a.name,
    start_time: new Date(a.start_time).toISOString(),
    end_time: new Date(a.end_time).toISOString(),
    status: activityStatus(a, now, sold),
    total: a.total,
    remaining: remainingOf(a.total, sold),
  };
}

export function parseActivity(data: Buffer | string): ActivityConfig | undefined {
  try {
    const parsed = activityConfigSchema.safeParse(JSON.parse(data.toString()));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
