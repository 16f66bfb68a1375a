import { discoveryEnv, loadConfig, redisEnv, serviceEnv, tracingEnv, zookeeperEnv, z } from '@sk/config';

export const configSchema = z.object({
  ...serviceEnv,
  ...tracingEnv,
  ...redisEnv,
  ...zookeeperEnv,
  ...discoveryEnv,
  PORT: serviceEnv.PORT.default(9032),
  /** Requests taken from the relay list per pop. */
  CORE_BATCH_SIZE: z.coerce.number().int().min(1).max(5_000).default(256),
  /** Blocking pop loops per instance, each on its own connection. */
  CORE_WORKERS: z.coerce.number().int().min(1).max(32).default(2),
});
export type CoreConfig = z.output<typeof configSchema>;

export function readConfig(env: Record<string, string | undefined> = process.env): CoreConfig {
  return loadConfig(configSchema, env);
}
