import { z } from 'zod';

/** The relay's lists on a Redis Cluster when RELAY_SHARDS is unset: enough to give each of a few masters some. */
const CLUSTER_RELAY_SHARDS = 8;

/**
 * How many lists the relay spreads attempts over: RELAY_SHARDS, else one on a single Redis (more
 * would only split sk-core's batches) and CLUSTER_RELAY_SHARDS on a cluster (so no one node takes
 * every attempt). sk-app and sk-core must agree: every sk-core serves every list.
 */
export function relayShards(config: { RELAY_SHARDS?: number | undefined; REDIS_CLUSTER_NODES?: string | undefined }): number {
  return config.RELAY_SHARDS ?? (config.REDIS_CLUSTER_NODES ? CLUSTER_RELAY_SHARDS : 1);
}

/** A purchase attempt queued by sk-app for sk-core. */
export const relayRequestSchema = z.object({
  id: z.string().min(1),
  reply_to: z.string().min(1),
  user_id: z.number().int().positive(),
  activity_id: z.number().int().positive(),
  product_id: z.number().int().positive(),
  /** The activity's version sk-app decided on: an sk-core holding an older one reads it afresh. */
  activity_version: z.number().int().nonnegative(),
  /** The shopper's single-use nonce, claimed by sk-core in the same atomic step as the purchase. */
  nonce: z.string().min(1).max(64),
  /** How long the nonce must stay claimed: as long as its `sec_time` can pass the window check. */
  nonce_ttl_ms: z.number().int().positive(),
  /** ms since epoch after which the caller has given up: sk-core drops it without moving stock. */
  deadline: z.number().int(),
  /** B3 trace context, so sk-core's span joins the caller's trace. */
  trace: z.record(z.string(), z.string()).optional(),
});
export type RelayRequest = z.output<typeof relayRequestSchema>;

/** What a 1002 answers and `/sec/result` lists: the qualification, and the order it made. */
export const qualificationSchema = z.object({
  product_id: z.number().int(),
  activity_id: z.number().int(),
  user_id: z.number().int(),
  token: z.string(),
  token_time: z.number().int(),
  order_id: z.string(),
  /** ms since epoch: the end of the order's payment window, fixed here. */
  pay_by: z.number().int(),
});
export type Qualification = z.output<typeof qualificationSchema>;

/**
 * One order as the qualification step records it, in the activity's order stream and its held
 * units: the qualification, the attempt's nonce (so `/sec/result?nonce=` can answer) and the
 * order's sequence within the activity.
 */
export const orderRecordSchema = qualificationSchema.extend({
  nonce: z.string(),
  seq: z.number().int().positive(),
});
export type OrderRecord = z.output<typeof orderRecordSchema>;

/** Order ids are `<activity_id>-<seq>`: fixed by the qualification step, unique per activity. */
export const ORDER_ID_PATTERN = /^[1-9]\d{0,14}-[1-9]\d{0,15}$/;
export const orderId = (activityId: number, seq: number): string => `${activityId}-${seq}`;
/** The activity an order id (of ORDER_ID_PATTERN) belongs to. */
export const activityOfOrder = (id: string): number => Number(id.slice(0, id.indexOf('-')));

export const relayReplySchema = z.object({
  id: z.string(),
  code: z.number().int(),
  result: qualificationSchema.optional(),
  /** With 1004: the total sk-core found sold, so callers do not mistake a grown total for sold out. */
  total: z.number().int().optional(),
});
export type RelayReply = z.output<typeof relayReplySchema>;
