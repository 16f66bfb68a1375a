import { discoveryEnv, mysqlEnv, redisEnv, serviceEnv, tracingEnv, zookeeperEnv, z } from '@sk/config';

export const configSchema = z.object({
  ...serviceEnv,
  ...tracingEnv,
  PORT: serviceEnv.PORT.default(9030),
  ...mysqlEnv,
  ...redisEnv,
  ...zookeeperEnv,
  ...discoveryEnv,
  /** Where token keys are fetched; without it, from the `auth` instances found in discovery. */
  AUTH_URL: z.string().url().optional(),
  /** How often activities not yet in ZooKeeper are mirrored again. */
  MIRROR_INTERVAL_MS: z.coerce.number().int().positive().default(1_000),
  /** How often Redis's copy of the operators' blacklists is checked against MySQL. */
  BLACKLIST_SYNC_MS: z.coerce.number().int().positive().default(5_000),
});

export type Config = z.output<typeof configSchema>;
