import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';
import { Codes, Counter, SkError, type Registry } from '@sk/http';
import { canonicalIp } from '@sk/seckill';
import { LeakyBucket, SharedLeakyBucket, leakyBucketSchema, type Verdict } from '@sk/limits';
import type { Redis } from '@sk/storage';

const ruleSchema = leakyBucketSchema
  .extend({
    /** Names the rule in the refusal counter. */
    name: z.string().min(1),
    /** One bucket per client address, per verified user, or one for the whole route. */
    by: z.enum(['ip', 'user', 'route']),
    /** Path prefix the rule applies to; every forwarded route when absent. */
    path: z.string().startsWith('/').optional(),
    /**
     * Buckets kept in Redis and shared by every gateway, so a user's limit does not grow with the
     * number of gateways (a Redis step per request). Per-user rules only: an address or route
     * flood is refused before it costs a round trip.
     */
    shared: z.boolean().default(false),
  })
  .refine((rule) => !rule.shared || rule.by === 'user', { message: 'only per-user rules can be shared', path: ['shared'] });

/** deploy/gateway-limits.json */
export const limitsFileSchema = z
  .object({
    /** Proxies (IPs or CIDRs) whose X-Forwarded-For names the client; nobody else's is believed. */
    trustedProxies: z.array(z.string().min(1)).default([]),
    /** Client addresses (IPs or CIDRs) the per-address rules never hold back, e.g. a local load test. */
    exempt: z.array(z.string().min(1)).default([]),
    rules: z.array(ruleSchema),
  })
  .strict();
export type LimitsFile = z.input<typeof limitsFileSchema>;
export type LimitsConfig = z.output<typeof limitsFileSchema>;

/** The limits file at `path`, with the environment's trusted proxies (when set) in place of the file's. */
export function loadLimits(path: string, trustedProxies?: string[]): LimitsConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`rate limits file ${path}: ${(err as Error).message}`);
  }
  const parsed = limitsFileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`rate limits file ${path}: ${z.prettifyError(parsed.error)}`);
  return trustedProxies ? { ...parsed.data, trustedProxies } : parsed.data;
}

type Stage = 'client' | 'user';

/** A rule and its buckets: this gateway's (LeakyBucket), or every gateway's in Redis (SharedLeakyBucket). */
interface Rule<B = LeakyBucket> {
  name: string;
  by: 'ip' | 'user' | 'route';
  path: string | undefined;
  bucket: B;
}

export interface SharedLimitsStore {
  redis: Redis;
  /** Prefix of the shared buckets' keys. */
  prefix: string;
  /** Told when Redis cannot be asked: the request then goes on (a limit must not stop a sale). */
  onError: (err: unknown) => void;
}

/**
 * nginx `limit_req` at the gateway. Per-address and per-route rules are asked before the token is
 * verified (a flood costs no signature check), per-user rules after. Within a stage every
 * matching rule is asked before any counts, so a refusal by one does not use up another.
 * Refusals are 429/1104 with Retry-After; a request within a burst may be held for its slot.
 * Shared rules are asked last, each in one atomic step that also counts (so a refusal by a shared
 * rule leaves the other shared rules counted).
 */
export class RequestLimits {
  /**
   * The rules each stage asks, sorted once: this gateway's, then the shared ones (each asked in
   * one atomic step that also counts; per-user only, so the client stage has none).
   */
  private readonly stages: Record<Stage, { local: Rule[]; shared: Rule<SharedLeakyBucket>[] }> = {
    client: { local: [], shared: [] },
    user: { local: [], shared: [] },
  };
  private readonly trusted: (addr: string, i: number) => boolean;
  private readonly exemptMatch: (addr: string, i: number) => boolean;
  /** Exemption by address, remembered: matching a CIDR parses the address, too dear per request. */
  private readonly exemptions = new Map<string, boolean>();
  private readonly refused: Counter;

  constructor(
    config: LimitsConfig,
    registry: Registry,
    private readonly clock: () => number = Date.now,
    private readonly store?: SharedLimitsStore,
  ) {
    for (const { name, by, path, shared, ...bucket } of config.rules) {
      const stage = this.stages[by === 'user' ? 'user' : 'client'];
      if (!shared) {
        stage.local.push({ name, by, path, bucket: new LeakyBucket(bucket, clock) });
        continue;
      }
      if (!store) throw new Error(`rate limit rule ${name} is shared, and there is no Redis to share it in`);
      stage.shared.push({ name, by, path, bucket: new SharedLeakyBucket(store.redis, `${store.prefix}${name}:`, bucket) });
    }
    this.trusted = proxyaddr.compile(config.trustedProxies);
    this.exemptMatch = proxyaddr.compile(config.exempt);
    this.refused = new Counter({
      name: 'gateway_rate_limited_total',
      help: 'Requests refused by a rate limit, by rule',
      labelNames: ['rule'],
      registers: [registry],
    });
  }

  /** The client's address: the socket's, or the one trusted proxies say they forward for. */
  clientIp(req: IncomingMessage): string {
    const socketAddress = req.socket.remoteAddress ?? '';
    const ip = this.trusted(socketAddress, 0) ? proxyaddr(req, this.trusted) : socketAddress;
    return canonicalIp(ip);
  }

  /** Per-address and per-route rules: resolves when the request may go on, rejects with 429/1104 if not. */
  async beforeIdentity(path: string, ip: string): Promise<void> {
    await this.enforce('client', path, ip, this.isExempt(ip));
  }

  /** Per-user rules, once the token is verified. */
  async forUser(path: string, userId: number): Promise<void> {
    await this.enforce('user', path, String(userId), false);
  }

  /** Forgets drained buckets; called now and then so idle clients cost no memory. */
  sweep(): void {
    for (const { local } of Object.values(this.stages)) for (const { bucket } of local) bucket.sweep();
  }

  private isExempt(ip: string): boolean {
    let exempt = this.exemptions.get(ip);
    if (exempt === undefined) {
      if (this.exemptions.size >= 10_000) this.exemptions.clear();
      this.exemptions.set(ip, (exempt = this.exemptMatch(ip, 0)));
    }
    return exempt;
  }

  private async enforce(stage: Stage, path: string, key: string, exempt: boolean): Promise<void> {
    const { local, shared } = this.stages[stage];
    const now = this.clock();
    let delayMs = 0;
    let matched = false;
    for (const rule of local) {
      if (!applies(rule, path, exempt)) continue;
      const verdict = rule.bucket.check(bucketKey(rule, key), now);
      if (!verdict.allowed) throw this.refusal(rule, verdict.retryAfterMs);
      delayMs = Math.max(delayMs, verdict.delayMs);
      matched = true;
    }
    const sharedHere = shared.length > 0 ? shared.filter((rule) => applies(rule, path, exempt)) : undefined;
    if (sharedHere?.length) delayMs = Math.max(delayMs, await this.takeShared(sharedHere, key));
    else if (!matched) return;
    await this.commit(local, path, key, exempt, now, delayMs);
  }

  /** Counts a request every local rule (of its stage) let through; holds it `delayMs` for its slot. */
  private async commit(rules: Rule[], path: string, key: string, exempt: boolean, now: number, delayMs: number): Promise<void> {
    for (const rule of rules) if (applies(rule, path, exempt)) rule.bucket.commit(bucketKey(rule, key), now);
    if (delayMs > 0) await sleep(delayMs);
  }

  /** Asks the shared rules (all at once); the longest delay they ask for, or a refusal. */
  private async takeShared(rules: Rule<SharedLeakyBucket>[], key: string): Promise<number> {
    const verdicts = await Promise.all(
      rules.map((rule) =>
        rule.bucket.take(bucketKey(rule, key)).catch((err: unknown): Verdict => {
          this.store?.onError(err);
          return { allowed: true, delayMs: 0 };
        }),
      ),
    );
    let delayMs = 0;
    verdicts.forEach((verdict, i) => {
      if (!verdict.allowed) throw this.refusal(rules[i]!, verdict.retryAfterMs);
      delayMs = Math.max(delayMs, verdict.delayMs);
    });
    return delayMs;
  }

  private refusal(rule: Rule<unknown>, retryAfterMs: number): SkError {
    this.refused.inc({ rule: rule.name });
    return new SkError(Codes.RATE_LIMITED, Codes.RATE_LIMITED.message, undefined, {
      'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
    });
  }
}

function applies(rule: Rule<unknown>, path: string, exempt: boolean): boolean {
  if (rule.path !== undefined && !path.startsWith(rule.path)) return false;
  return !(exempt && rule.by === 'ip');
}

/** A route rule has one bucket for everyone. */
function bucketKey(rule: Rule<unknown>, key: string): string {
  return rule.by === 'route' ? '' : key;
}
