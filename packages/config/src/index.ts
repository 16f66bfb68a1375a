import { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses environment-shaped input with a zod schema; every bad variable is named in one error. */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return parsed.data;
}

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

/** Variables every service reads; a service extends this with its own. */
export const serviceEnv = {
  PORT: port,
  HOST: z.string().default('0.0.0.0'),
  ADVERTISE_HOST: z.string().default('127.0.0.1'),
  INSTANCE_ID: z.string().min(1).optional(),
  WEIGHT: positiveInt.default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // A line per answer (at info), written in the background; off saves a few per cent at sale rates.
  LOG_REQUESTS: z.enum(['on', 'off']).default('on').transform((v) => v === 'on'),
  SK_SECRET: z.string().min(16).default('dev-secret-change-me-in-production'),
};

export const redisEnv = {
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379/0'),
  REDIS_PREFIX: z.string().default('sk:'),
};

export const mysqlEnv = {
  MYSQL_URL: z.string().url().default('mysql://root@127.0.0.1:3306/seckill'),
};

export const zookeeperEnv = {
  ZK_HOSTS: z.string().min(1).default('127.0.0.1:2181'),
  ZK_ROOT: z.string().regex(/^\/[\w\-/]*[\w-]$/, 'an absolute znode path').default('/seckill'),
  ZK_SESSION_TIMEOUT_MS: positiveInt.default(10_000),
};

export const discoveryEnv = {
  SK_DISCOVERY: z.enum(['zookeeper', 'static', 'consul']).default('zookeeper'),
  SK_STATIC_INSTANCES: z.string().default(''),
  CONSUL_URL: z.string().url().optional(),
};

/** Zipkin export: on when ZIPKIN_URL is set, keeping ZIPKIN_SAMPLE_RATE of new traces. */
export const tracingEnv = {
  ZIPKIN_URL: z.string().url().optional(),
  ZIPKIN_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(1),
};

export { z };
