import { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration: ${issues.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Settings that are secrets, each with the built-in default (if any) that lets a checkout run as it is. */
const secrets = z.registry<{ builtIn?: string }>();

/** A secret whose built-in default serves development; production (SK_ENV=production) refuses it unset or left at that default. */
export function secret(schema: z.ZodString, builtIn: string) {
  return schema.default(builtIn).register(secrets, { builtIn });
}

/** A setting that may be left unset, or empty (as a shell passes an unset variable on). */
function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
}

/** A secret that development may leave unset (or empty); production refuses it unset. */
export function optionalSecret(schema: z.ZodString) {
  return optional(schema).register(secrets, {});
}

const PRODUCTION_SECRET = 'must be set to a value of your own in production (SK_ENV=production)';

/**
 * Parses environment-shaped input with a zod schema; every bad variable is named in one error.
 * With SK_ENV=production, every secret must also be set, to something other than its built-in default.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined> = process.env): z.output<S> {
  const parsed = schema.safeParse(env);
  const issues = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  if (env.SK_ENV === 'production') {
    const named = new Set(parsed.success ? [] : parsed.error.issues.map((i) => i.path[0]));
    issues.push(
      ...defaultSecrets(schema, env)
        .filter((name) => !named.has(name))
        .map((name) => `${name}: ${PRODUCTION_SECRET}`),
    );
  }
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues);
  return parsed.data;
}

/** The secrets of `schema` that `env` leaves unset, empty or at their built-in default. */
function defaultSecrets(schema: z.ZodObject, env: Record<string, string | undefined>): string[] {
  return Object.entries(schema.shape).flatMap(([name, field]) => {
    const meta = secrets.get(field);
    if (!meta) return [];
    const value = env[name]?.trim();
    return !value || value === meta.builtIn ? [name] : [];
  });
}

/**
 * loadConfig for a service's entry point: a bad configuration ends the process (exit 1) with one
 * line naming each bad variable, rather than a stack trace.
 */
export function loadConfigOrExit<S extends z.ZodObject>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.output<S> {
  try {
    return loadConfig(schema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`${service}: ${err.message.replace(/\s*\n\s*/g, ' ')}`);
    process.exit(1);
  }
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
  LOG_REQUESTS: z
    .enum(['on', 'off'])
    .default('on')
    .transform((v) => v === 'on'),
  // `production` refuses built-in secrets (see loadConfig); anything else is development.
  SK_ENV: z.enum(['development', 'production']).default('development'),
  SK_SECRET: secret(z.string().min(16), 'dev-secret-change-me-in-production'),
};

export const redisEnv = {
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379/0'),
  // A Redis Cluster's seed nodes: when set, used instead of REDIS_URL's host (its user and password still apply).
  REDIS_CLUSTER_NODES: optional(z.string().regex(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, 'host:port,host:port,…')),
  REDIS_PREFIX: z.string().default('sk:'),
};

/** What sells and what stores orders waits for before it counts a write as safe (see ReplicaAcks in @sk/storage). */
export const replicationEnv = {
  // Replicas that must hold a win before it is answered 1002, and an order stream entry before it
  // is stored. Unset: 1 on a cluster (a failover then loses no 1002), 0 on a single Redis.
  REDIS_WAIT_REPLICAS: optional(z.coerce.number().int().min(0).max(5)),
  // How long to wait for them: past it, the win is answered 1108 (it holds; /sec/result tells).
  REDIS_WAIT_MS: z.coerce.number().int().min(1).max(10_000).default(200),
};

/** The relay between sk-app and sk-core: both read it, and must agree. */
export const relayEnv = {
  // The lists attempts are spread over (each sk-core serves them all). Unset: one on a single
  // Redis, 8 on a cluster, so that no one node takes every attempt (see relayShards in @sk/seckill).
  RELAY_SHARDS: optional(z.coerce.number().int().min(1).max(64)),
};

export const mysqlEnv = {
  MYSQL_URL: z.string().url().default('mysql://root@127.0.0.1:3306/seckill'),
};

export const zookeeperEnv = {
  ZK_HOSTS: z.string().min(1).default('127.0.0.1:2181'),
  ZK_ROOT: z
    .string()
    .regex(/^\/[\w\-/]*[\w-]$/, 'an absolute znode path')
    .default('/seckill'),
  ZK_SESSION_TIMEOUT_MS: positiveInt.default(10_000),
  // "user:password" (digest scheme): the services authenticate with it and ZK_ROOT's tree is theirs
  // alone. Printable ASCII: ZooKeeper hashes the bytes of its platform's charset.
  ZK_AUTH: optionalSecret(z.string().regex(/^[!-9;-~]+:[!-~]+$/, 'user:password, printable ASCII without spaces')),
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
