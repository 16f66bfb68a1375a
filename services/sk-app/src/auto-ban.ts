import type { FastifyBaseLogger } from 'fastify';
import { publishBlacklistChanges, type BlacklistChange, type BlacklistKind, type RedisKeys } from '@sk/seckill';
import type { Redis } from '@sk/storage';
import { BatchedCounts, type Tally } from '@sk/seckill';
import type { Blacklist } from '@sk/seckill';
import { isLoopback } from './client-ip.js';

export interface AutoBanOptions {
  /** Requests of one user or IP allowed within a window; above it, a ban. */
  maxRequests: number;
  windowMs: number;
  banMs: number;
  /** Loopback is the gateway or a local tool, not a shopper: never banned by IP. */
  exemptLoopback: boolean;
  /**
   * How often this instance adds its counts to the shared ones. Each flush costs two commands per
   * user seen since the last: at sale rates a second, not less, keeps that well below the sale's own
   * Redis work, and a ban comes at most that much later.
   */
  flushMs?: number;
  now?: () => number;
}

interface Counted {
  kind: BlacklistKind;
  value: string;
  window: number;
}

/**
 * The anti-brush filter. Requests are counted in memory and added to shared per-window counters
 * in Redis (INCRBY, one pipeline per flush), so the hot path has no Redis round trip and every
 * instance's requests count together. A counter past the limit bans its user or IP for `banMs`.
 */
export class AutoBan {
  private readonly counts: BatchedCounts<Counted>;
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly blacklist: Blacklist,
    private readonly log: FastifyBaseLogger,
    private readonly opts: AutoBanOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.counts = new BatchedCounts(opts.flushMs ?? 1_000, (batch) => this.write(batch));
  }

  start(): void {
    this.counts.start();
  }

  stop(): void {
    this.counts.stop();
  }

  count(userId: number, ip: string): void {
    const window = Math.floor(this.now() / this.opts.windowMs);
    this.tally('user', String(userId), window);
    if (!(this.opts.exemptLoopback && isLoopback(ip))) this.tally('ip', ip, window);
  }

  /** Adds this instance's counts to the shared counters and bans whoever went past the limit. */
  private async write(tallies: Tally<Counted>[]): Promise<void> {
    try {
      // One command per key (the client pipelines them): the keys lie in many slots of a cluster.
      const totals = await Promise.all(
        tallies.map(async ({ item, count }) => {
          const key = this.keys.requestCount(item.kind, item.value, item.window);
          const [total] = await Promise.all([this.redis.incrby(key, count), this.redis.pexpire(key, 2 * this.opts.windowMs)]);
          return total;
        }),
      );
      await this.ban(tallies.filter((_, i) => totals[i]! > this.opts.maxRequests).map((t) => t.item));
    } catch (err) {
      // Counts of one flush are lost while Redis is down; the sale itself does not depend on them.
      this.log.warn({ err }, 'auto-ban counters not updated');
    }
  }

  private tally(kind: BlacklistKind, value: string, window: number): void {
    this.counts.add(`${kind}:${value}:${window}`, () => ({ kind, value, window }));
  }

  private async ban(over: Counted[]): Promise<void> {
    const now = this.now();
    const changes: BlacklistChange[] = over
      .filter((t) => !this.blacklist.blocks(t.kind, t.value, now))
      .map((t) => ({
        source: 'auto',
        kind: t.kind,
        value: t.value,
        entry: {
          reason: `more than ${this.opts.maxRequests} /sec/kill requests within ${this.opts.windowMs} ms`,
          expires_at: now + this.opts.banMs,
        },
      }));
    for (const change of changes) {
      this.blacklist.apply(change);
      this.log.warn({ kind: change.kind, value: change.value }, 'banned automatically');
    }
    await publishBlacklistChanges(this.redis, this.keys, changes);
  }
}
