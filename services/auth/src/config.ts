import { discoveryEnv, mysqlEnv, secret, serviceEnv, tracingEnv, zookeeperEnv, z } from '@sk/config';

export const configSchema = z.object({
  ...serviceEnv,
  ...tracingEnv,
  ...mysqlEnv,
  ...zookeeperEnv,
  ...discoveryEnv,
  PORT: serviceEnv.PORT.default(9019),
  // 0 binds an ephemeral port; the bound one is what discovery announces.
  GRPC_PORT: z.coerce.number().int().min(0).max(65535).default(9018),
  ACCESS_TOKEN_TTL_S: z.coerce.number().int().positive().default(900),
  REFRESH_TOKEN_TTL_S: z.coerce
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3600),
  SK_ADMIN_USER: z.string().min(1).max(64).default('admin'),
  SK_ADMIN_PASSWORD: secret(z.string().min(1), 'admin123'),
});

export type AuthConfig = z.output<typeof configSchema>;
