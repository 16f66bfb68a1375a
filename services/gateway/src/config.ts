import { fileURLToPath } from 'node:url';
import { discoveryEnv, redisEnv, serviceEnv, tracingEnv, zookeeperEnv, z } from '@sk/config';
import { DEFAULT_BREAKER_OPTIONS as BREAKER } from './breakers.js';

export const configSchema = z.object({
  ...serviceEnv,
  ...tracingEnv,
  PORT: serviceEnv.PORT.default(9090),
  ...zookeeperEnv,
  ...discoveryEnv,
  ...redisEnv,
  // Processes sharing the gateway's port (node:cluster, see workers.ts), so that its work can use more than one core.
  GATEWAY_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  // Answer attempts on sold-out products here (activities from ZooKeeper, news over Redis).
  SOLD_OUT_AT_GATEWAY: z.enum(['on', 'off']).default('on'),
  // Send the purchase attempts of one event-loop turn to sk-app as one request (sampled ones go alone).
  KILL_BATCHES: z.enum(['on', 'off']).default('on'),
  // Longer than sk-app's relay wait, so a slow seckill is answered by sk-app's own 1108, not by us.
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  // Each upstream instance's circuit breaker: opens above this error rate once the window holds
  // the minimum volume, and lets one probe through after the reset time.
  BREAKER_ERROR_PERCENT: z.coerce.number().min(1).max(100).default(BREAKER.errorThresholdPercentage),
  BREAKER_VOLUME: z.coerce.number().int().min(1).default(BREAKER.volumeThreshold),
  BREAKER_RESET_MS: z.coerce.number().int().positive().default(BREAKER.resetTimeoutMs),
  BREAKER_WINDOW_MS: z.coerce.number().int().positive().default(BREAKER.windowMs),
  // Rate limits (deploy/gateway-limits.json by default); `off` for none at all.
  RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  GATEWAY_LIMITS_FILE: z
    .string()
    .min(1)
    .default(fileURLToPath(new URL('../../../deploy/gateway-limits.json', import.meta.url))),
  // Proxies (IPs/CIDRs, comma-separated) whose X-Forwarded-For is believed; replaces the file's list.
  TRUSTED_PROXIES: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .optional(),
  // Creating many users hashes each password: that one route may take minutes.
  ADMIN_BULK_TIMEOUT_MS: z.coerce.number().int().positive().default(600_000),
  // Where the token keys come from; by default any auth instance found in discovery.
  AUTH_URL: z.string().url().optional(),
  // `local` verifies tokens with auth's keys; `rpc` asks auth's gRPC CheckToken (auth instances
  // from discovery). Either way a valid token is remembered until it expires.
  AUTH_MODE: z.enum(['local', 'rpc']).default('local'),
  // Bound on one CheckToken call, a retry on another auth instance included.
  AUTH_RPC_DEADLINE_MS: z.coerce.number().int().positive().default(1_000),
});

export type GatewayConfig = z.output<typeof configSchema>;
