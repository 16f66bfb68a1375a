import { z } from 'zod';
import { qualificationSchema } from './orders.js';

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

/** A purchase attempt queued by sk-app for sk-core, on one of the relay lists (`keys.relayLists`). */
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

/** sk-core's answer to a relay request, pushed on the request's `reply_to` list (`keys.replies`). */
export const relayReplySchema = z.object({
  id: z.string(),
  code: z.number().int(),
  result: qualificationSchema.optional(),
  /** With 1004: the total sk-core found sold, so callers do not mistake a grown total for sold out. */
  total: z.number().int().optional(),
});
export type RelayReply = z.output<typeof relayReplySchema>;
