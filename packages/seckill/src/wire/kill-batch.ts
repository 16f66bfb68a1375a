import { z } from 'zod';

/**
 * The gateway's kills of one event-loop turn, sent to sk-app in one request: one HTTP exchange
 * (parsing, hooks, a write each way) for many shoppers instead of one each, which at sale rates
 * is most of what a kill costs the two services. Not reachable through the gateway, whose routes
 * are /oauth, /sec and /admin; each kill still carries its shopper's own bearer token, checked by
 * sk-app as for a single /sec/kill.
 */
export const KILL_BATCH_PATH = '/internal/sec/kills';
export const KILL_BATCH_MAX = 64;
/** The largest kill body a batch carries (a real one is about 150 bytes): bigger ones go alone. */
export const KILL_BATCHED_BODY_MAX = 2 * 1024;
export const KILL_AUTHORIZATION_MAX = 8 * 1024;
// JSON escaping can grow a string sixfold (\u00XX); the framing adds little. A batch of kills
// within the maxima always fits, so no kill is refused for the company it travels in.
export const KILL_BATCH_BODY_LIMIT = KILL_BATCH_MAX * (6 * (KILL_BATCHED_BODY_MAX + KILL_AUTHORIZATION_MAX) + 1024);

export const killBatchSchema = z.object({
  kills: z
    .array(
      z.object({
        /** The shopper's Authorization header, as sent. */
        authorization: z.string().max(KILL_AUTHORIZATION_MAX).optional(),
        /** The shopper's address as the gateway saw it; believed only from a trusted peer. */
        client_ip: z.string().max(64).optional(),
        /** The shopper's JSON body, as sent. */
        body: z.string().max(KILL_BATCHED_BODY_MAX),
      }),
    )
    .min(1)
    .max(KILL_BATCH_MAX),
});
export type KillBatch = z.output<typeof killBatchSchema>;

/** Each kill's answer, in the order of the batch: what a single /sec/kill would have answered. */
export const killBatchAnswersSchema = z.object({
  answers: z.array(
    z.object({
      status: z.number().int().min(200).max(599),
      headers: z.record(z.string(), z.string()).optional(),
      /** The envelope, serialized. */
      body: z.string(),
    }),
  ),
});
export type KillBatchAnswer = z.output<typeof killBatchAnswersSchema>['answers'][number];
