import { isIP } from 'node:net';
import { discoveryEnv, loadConfigOrExit, redisEnv, relayEnv, serviceEnv, tracingEnv, zookeeperEnv, z } from '@sk/config';

export const configSchema = z.object({
  ...serviceEnv,
  ...tracingEnv,
  ...redisEnv,
  ...relayEnv,
  ...zookeeperEnv,
  ...discoveryEnv,
  PORT: serviceEnv.PORT.default(9031),
  /** Fixed URL of auth for token keys; by default any auth instance from discovery. */
  AUTH_URL: z.string().url().optional(),
  /** How long a shopper waits for sk-core before 1108 (outcome then in /sec/result). */
  RELAY_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(3_000),
  /** Requests waiting for sk-core at once per instance; past it the crowd gets 1001 at once. */
  RELAY_MAX_PENDING: z.coerce.number().int().min(1).default(20_000),
  /**
   * Attempts the sk-core tier decides per second (bench/README.md): the relay list holds at most
   * what it drains within RELAY_TIMEOUT_MS, and refuses more 503/1001 rather than let them wait to time out.
   */
  RELAY_DRAIN_PER_S: z.coerce.number().int().min(1).default(10_000),
  /** Allowed distance between the client's `sec_time` and this server's clock. */
  SEC_TIME_WINDOW_MS: z.coerce.number().int().min(1_000).default(30_000),
  /** Peers besides loopback whose `x-sk-client-ip` is believed (the gateways), comma-separated IPs. */
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((ip) => ip.trim())
        .filter(Boolean),
    )
    .refine((ips) => ips.every((ip) => isIP(ip) !== 0), 'comma-separated IP addresses')
    .transform((ips) => new Set(ips)),
  /** /sec/kill requests of one user or IP allowed per window before an automatic ban; 0 turns bans off. */
  AUTO_BAN_MAX_REQUESTS: z.coerce.number().int().min(0).default(300),
  AUTO_BAN_WINDOW_MS: z.coerce.number().int().min(100).default(10_000),
  AUTO_BAN_DURATION_MS: z.coerce.number().int().min(1_000).default(600_000),
  /** Loopback addresses (local tools, a local gateway) are never banned by IP unless this is false. */
  AUTO_BAN_EXEMPT_LOOPBACK: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
});
export type AppConfig = z.output<typeof configSchema>;

/** The configuration from the environment; a bad one ends the process with one line naming each bad variable. */
export function readConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  return loadConfigOrExit('sk-app', configSchema, env);
}
