import { discoveryEnv, loadConfigOrExit, redisEnv, relayEnv, replicationEnv, serviceEnv, tracingEnv, zookeeperEnv, z } from '@sk/config';

export const configSchema = z.object({
  ...serviceEnv,
  ...tracingEnv,
  ...redisEnv,
  ...relayEnv,
  ...replicationEnv,
  ...zookeeperEnv,
  ...discoveryEnv,
  PORT: serviceEnv.PORT.default(9032),
  /** Requests taken from the relay list per pop. */
  CORE_BATCH_SIZE: z.coerce.number().int().min(1).max(5_000).default(256),
  /**
   * Blocking pop loops per relay list (RELAY_SHARDS) in each instance, each on its own connection.
   * One by default: a single loop takes what is queued in one pop, so its Lua batches are larger
   * and cost less per attempt than two loops splitting a list (bench/README.md). More instances,
   * not loops, for more cores.
   */
  CORE_WORKERS: z.coerce.number().int().min(1).max(32).default(1),
});
export type CoreConfig = z.output<typeof configSchema>;

/** The configuration from the environment; a bad one ends the process with one line naming each bad variable. */
export function readConfig(env: Record<string, string | undefined> = process.env): CoreConfig {
  return loadConfigOrExit('sk-core', configSchema, env);
}
