import { discoveryEnv, redisEnv, serviceEnv, z, zookeeperEnv } from '@sk/config';

export const gatewayConfigSchema = z.object({
  ...serviceEnv,
  PORT: serviceEnv.PORT.default(9090),
  ...zookeeperEnv,
  ...discoveryEnv,
  ...redisEnv,
  // Answer attempts on sold-out products here (activities from ZooKeeper, news over Redis).
  SOLD_OUT_AT_GATEWAY: z.enum(['on', 'off']).default('on'),
  // Longer than sk-app's relay wait, so a slow seckill is answered by sk-app's own 1108, not by us.
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  // Creating many users hashes each password: that one route may take minutes.
  ADMIN_BULK_TIMEOUT_MS: z.coerce.number().int().positive().default(600_000),
  // Where the token keys come from; by default any auth instance found in discovery.
  AUTH_URL: z.string().url().optional(),
});

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
