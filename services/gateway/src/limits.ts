import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';
import { Codes, Counter, SkError, type Registry } from '@sk/http';
import { canonicalIp } from '@sk/seckill';
import { LeakyBucket, leakyBucketSchema } from '@sk/limits';

const ruleSchema = leakyBucketSchema.extend({
  /** Names the rule in the refusal counter. */
  name: z.string().min(1),
  /** One bucket per client address, per verified user, or one for the whole route. */
  by: z.enum(['ip', 'user', 'route']),
  /** Path prefix the rule applies to; every forwarded route when absent. */
  path: z.string().startsWith('/').optional(),
});

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

interface Rule {
  name: string;
  by: 'ip' | 'user' | 'route';
  path: string | undefined;
  bucket: LeakyBucket;
}

/**
 * nginx `limit_req` at the gateway. Per-address and per-route rules are asked before the token is
 * verified (a flood costs no signature check), per-user rules after. Within a stage every
 * matching rule is asked before any counts, so a refusal by one does not use up another.
 * Refusals are 429/1104 with Retry-After; a request within a burst may be held for its slot.
 */
export class RequestLimits {
  private readonly rules: Rule[];
  private readonly trusted: (addr: string, i: number) => boolean;
  private readonly exemptMatch: (addr: string, i: number) => boolean;
  /** Exemption by address, remembered: matching a CIDR parses the address, too dear per request. */
  private readonly exemptions = new Map<string, boolean>();
  private readonly refused: Counter;

  constructor(
    config: LimitsConfig,
    registry: Registry,
    private readonly clock: () => number = Date.now,
  ) {
    this.rules = config.rules.map(({ name, by, path, ...bucket }) => ({ name, by, path, bucket: new LeakyBucket(bucket, clock) }));
    this.trusted = proxyaddr.compile(config.trustedProxies);
    this.exemptMatch = proxyaddr.compile(config.exempt);
    this.refused = new Counter({ name: 'gateway_rate_limited_total', help: 'Requests refused by a rate limit, by rule', labelNames: ['rule'], registers: [registry] });
  }

  /** The client's address: the socket's, or the one trusted proxies say they forward for. */
  clientIp(req: IncomingMessage): string {
    const socketAddress = req.socket.remoteAddress ?? '';
    const ip = this.trusted(socketAddress, 0) ? proxyaddr(req, this.trusted) : socketAddress;
    return canonicalIp(ip);
  }

  /** Per-address and per-route rules: resolves when the request may go on, throws 429/1104 if not. */
  beforeIdentity(path: string, ip: string): Promise<void> | undefined {
    return this.enforce('client', path, ip, this.isExempt(ip));
  }

  /** Per-user rules, once the token is verified. */
  forUser(path: string, userId: number): Promise<void> | undefined {
    return this.enforce('user', path, String(userId), false);
  }

  /** Forgets drained buckets; called now and then so idle clients cost no memory. */
  sweep(): void {
    for (const { bucket } of this.rules) bucket.sweep();
  }

  private isExempt(ip: string): boolean {
    let exempt = this.exemptions.get(ip);
    if (exempt === undefined) {
      if (this.exemptions.size >= 10_000) this.exemptions.clear();
      this.exemptions.set(ip, (exempt = this.exemptMatch(ip, 0)));
    }
    return exempt;
  }

  private enforce(stage: Stage, path: string, key: string, exempt: boolean): Promise<void> | undefined {
    const now = this.clock();
    let delayMs = 0;
    let matched = false;
    for (const rule of this.rules) {
      if (!applies(rule, stage, path, exempt)) continue;
      const verdict = rule.bucket.check(bucketKey(rule, key), now);
      if (!verdict.allowed) {
        this.refused.inc({ rule: rule.name });
        throw new SkError(Codes.RATE_LIMITED, Codes.RATE_LIMITED.message, undefined, { 'retry-after': String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))) });
      }
      delayMs = Math.max(delayMs, verdict.delayMs);
      matched = true;
    }
    if (!matched) return undefined;
    for (const rule of this.rules) if (applies(rule, stage, path, exempt)) rule.bucket.commit(bucketKey(rule, key), now);
    return delayMs > 0 ? sleep(delayMs) : undefined;
  }
}

function applies(rule: Rule, stage: Stage, path: string, exempt: boolean): boolean {
  if ((rule.by === 'user') !== (stage === 'user')) return false;
  if (rule.path !== undefined && !path.startsWith(rule.path)) return false;
  return !(exempt && rule.by === 'ip');
}

/** A route rule has one bucket for everyone. */
function bucketKey(rule: Rule, key: string): string {
  return rule.by === 'route' ? '' : key;
}
