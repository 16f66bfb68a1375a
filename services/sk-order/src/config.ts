import { discoveryEnv, loadConfigOrExit, mysqlEnv, redisEnv, replicationEnv, serviceEnv, tracingEnv, zookeeperEnv, z } from '@sk/config';

const ms = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

export const configSchema = z.object({
  ...serviceEnv,
  ...tracingEnv,
  ...redisEnv,
  ...replicationEnv,
  ...mysqlEnv,
  ...zookeeperEnv,
  ...discoveryEnv,
  PORT: serviceEnv.PORT.default(9033),
  /** Fixed URL of auth for token keys; by default any auth instance from discovery. */
  AUTH_URL: z.string().url().optional(),
  /** Order stream entries stored per MySQL statement (at most, per activity and read). */
  ORDER_BATCH_SIZE: z.coerce.number().int().min(1).max(5_000).default(1_000),
  /** Pause of the order writer after a round that found less than a batch (orders are listed within this and a round). */
  ORDER_POLL_MS: ms(5, 5_000, 100),
  /** An entry delivered to a writer and not acknowledged for this long is taken over (its writer died). */
  ORDER_CLAIM_IDLE_MS: ms(100, 600_000, 1_000),
  /** How often payment deadlines in Redis are looked at. */
  EXPIRY_POLL_MS: ms(50, 60_000, 500),
  /** How often MySQL is swept for due orders and units not yet given back (what Redis may have missed). */
  EXPIRY_SWEEP_MS: ms(100, 600_000, 2_000),
  /** How often activities are checked for counts to load from MySQL (new, or lost by Redis). */
  LOAD_CHECK_MS: ms(50, 60_000, 500),
  /** The payment provider: `sandbox` moves no money (the only one built in). */
  PAYMENT_PROVIDER: z.enum(['sandbox']).default('sandbox'),
});
export type OrderConfig = z.output<typeof configSchema>;

/** The configuration from the environment; a bad one ends the process with one line naming each bad variable. */
export function readConfig(env: Record<string, string | undefined> = process.env): OrderConfig {
  return loadConfigOrExit('sk-order', configSchema, env);
}
