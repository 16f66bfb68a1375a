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
});
export type CoreConfig = z.output<typeof configSchema>;

/** The configuration from the environment; a bad one ends the process with one line naming each bad variable. */
export function readConfig(env: Record<string, string | undefined> = process.env): CoreConfig {
  return loadConfigOrExit('sk-core', configSchema, env);
}
