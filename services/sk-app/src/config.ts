import { discoveryEnv, loadConfig, redisEnv, serviceEnv, zookeeperEnv, z } from '@sk/config';

export const configSchema = z.object({
  ...serviceEnv,
  ...redisEnv,
  ...zookeeperEnv,
  ...discoveryEnv,
  PORT: serviceEnv.PORT.default(9031),
  /** Fixed URL of auth for token keys; by default any auth instance from discovery. */
  AUTH_URL: z.string().url().optional(),
  /** How long a shopper waits for sk-core before 1108 (outcome then in /sec/result). */
  RELAY_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(3_000),
  /** Requests waiting for sk-core at once per instance; past it the crowd gets 1001 at once. */
  RELAY_MAX_PENDING: z.coerce.number().int().min(1).default(20_000),
  /** Allowed distance between the client's `sec_time` and this server's clock. */
  SEC_TIME_WINDOW_MS: z.coerce.number().int().min(1_000).default(30_000),
});
export type AppConfig = z.output<typeof configSchema>;

export function readConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  return loadConfig(configSchema, env);
}
