import type { FastifyBaseLogger } from 'fastify';
import { publishBlacklistChanges, type BlacklistChange, type BlacklistKind, type RedisKeys } from '@sk/seckill';
import type { Redis } from '@sk/storage';
import type { Blacklist } from './blacklist.js';
import { isLoopback } from './client-ip.js';

export interface AutoBanOptions {
  /** Requests of one user or IP allowed within a window; above it, a ban. */
  maxRequests: number;
  windowMs: number;
  banMs: number;
  /** Loopback is the gateway or a local tool, not a shopper: never banned by IP. */
  exemptLoopback: boolean;
  flushMs?: number;
  now?: () => number;
}

interface Tally {
  kind: BlacklistKind;
  value: string;
  window: number;
  count: number;
}

/**
 * The anti-brush filter. Requests are counted in memory and added to shared per-window counters
 * in Redis (INCRBY, one pipeline per flush), so the hot path has no Redis round trip and every
 * instance's requests count together. A counter past the limit bans its user or IP for `banMs`.
 */
export class AutoBan {
  private tallies = new Map<string, Tally>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly blacklist: Blacklist,
    private readonly log: FastifyBaseLogger,
    private readonly opts: AutoBanOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.opts.flushMs ?? 200);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  count(userId: number, ip: string): void {
    const window = Math.floor(this.now() / this.opts.windowMs);
    this.tally('user', String(userId), window);
    if (!(this.opts.exemptLoopback && isLoopback(ip))) this.tally('ip', ip, window);
  }

  /** Adds this instance's counts to the shared counters and bans whoever went past the limit. */
  async flush(): Promise<void> {
    const tallies = [...this.tallies.values()];
    this.tallies = new Map();
    if (tallies.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const t of tallies) {
      const key = this.keys.requestCount(t.kind, t.value, t.window);
      pipeline.incrby(key, t.count).pexpire(key, 2 * this.opts.windowMs);
    }
    try {
      const results = (await pipeline.exec()) ?? [];
      const over = tallies.filter((_, i) => Number(results[2 * i]?.[1] ?? 0) > this.opts.maxRequests);
      await this.ban(over);
    } catch (err) {
      // Counts of one flush are lost while Redis is down; the sale itself does not depend on them.
      this.log.warn({ err }, 'auto-ban counters not updated');
    }
  }

  private tally(kind: BlacklistKind, value: string, window: number): void {
    const id = `${kind}:${value}:${window}`;
    const tally = this.tallies.get(id);
    if (tally) tally.count++;
    else this.tallies.set(id, { kind, value, window, count: 1 });
  }

  private async ban(over: Tally[]): Promise<void> {
    const now = this.now();
    const changes: BlacklistChange[] = over
      .filter((t) => !this.blacklist.blocks(t.kind, t.value, now))
      .map((t) => ({
        source: 'auto',
        kind: t.kind,
        value: t.value,
        entry: { reason: `more than ${this.opts.maxRequests} /sec/kill requests within ${this.opts.windowMs} ms`, expires_at: now + this.opts.banMs },
      }));
    for (const change of changes) {
      this.blacklist.apply(change);
      this.log.warn({ kind: change.kind, value: change.value }, 'banned automatically');
    }
    await publishBlacklistChanges(this.redis, this.keys, changes);
  }
}
