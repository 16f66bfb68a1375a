import { z } from 'zod';

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

export const qualificationSchema = z.object({
  product_id: z.number().int(),
  activity_id: z.number().int(),
  user_id: z.number().int(),
  token: z.string(),
  token_time: z.number().int(),
});
export type Qualification = z.output<typeof qualificationSchema>;

export const relayReplySchema = z.object({
  id: z.string(),
  code: z.number().int(),
  result: qualificationSchema.optional(),
  /** With 1004: the total sk-core found sold, so callers do not mistake a grown total for sold out. */
  total: z.number().int().optional(),
});
export type RelayReply = z.output<typeof relayReplySchema>;
