import type { FastifyBaseLogger } from 'fastify';
import type { OrderStore, UnitReturns } from '@sk/orders';
import type { RedisKeys } from '@sk/seckill';
import type { Redis } from '@sk/storage';
import type { ActivityScope } from './activity-scope.js';

export interface OrderExpiryOptions {
  pollMs: number;
  sweepMs: number;
  /** Told each order this instance expired. */
  expired?: () => void;
}

/** Orders looked at per activity and poll, and per sweep. */
const BATCH = 200;

/**
 * Expires unpaid orders once their `pay_by` has passed and gives their units back. The payment
 * deadlines in Redis (a sorted set per activity, written with the order) are looked at often; a
 * MySQL sweep behind them finds what Redis does not hold (lost, or an order written after a
 * restart) and units whose return was interrupted. Several instances may run it: the
 * compare-and-set in MySQL lets one expire an order, the guarded Lua step returns its unit once.
 */
export class OrderExpiry {
  private timers: NodeJS.Timeout[] = [];
  /** Rounds (deadlines, sweep) and orders in progress: a slow one is not started twice. */
  private readonly running = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly store: OrderStore,
    private readonly units: UnitReturns,
    private readonly scope: ActivityScope,
    private readonly log: FastifyBaseLogger,
    private readonly opts: OrderExpiryOptions,
  ) {}

  start(): void {
    const every = (ms: number, task: () => Promise<unknown>, what: string) => setInterval(() => void this.once(what, task), ms).unref();
    this.timers = [every(this.opts.pollMs, () => this.pollDeadlines(), 'deadlines'), every(this.opts.sweepMs, () => this.sweep(), 'sweep')];
  }

  stop(): void {
    this.timers.forEach(clearInterval);
  }

  /** Expires what the deadlines of the activities in scope say is due. */
  async pollDeadlines(): Promise<void> {
    const now = Date.now();
    const due = await Promise.all(
      this.scope.next().map((id) => this.redis.zrangebyscore(this.keys.deadlines(id), '-inf', now, 'LIMIT', 0, BATCH)),
    );
    await Promise.all(due.flat().map((orderId) => this.expire(orderId)));
  }

  /** Expires the due orders MySQL knows of, and finishes returns that were interrupted. */
  async sweep(): Promise<void> {
    const [due, unreturned] = await Promise.all([this.store.due(BATCH), this.store.unreturned(BATCH)]);
    await Promise.all([...due.map((id) => this.expire(id)), ...unreturned.map((order) => this.units.giveBack(order))]);
  }

  /** Expires the order if it is due and unpaid, and gives its unit back unless that was done. */
  async expire(orderId: string): Promise<void> {
    // Deadlines and the sweep may name the same order at once: one look each.
    const key = `order:${orderId}`;
    if (this.running.has(key)) return;
    this.running.add(key);
    try {
      if (await this.store.expire(orderId)) this.opts.expired?.();
      const order = await this.store.get(orderId);
      // Not stored yet (the writer is behind), or not due by MySQL's clock: looked at again later.
      if (!order || order.status === 'unpaid') return;
      if (order.status === 'paid' || order.stock_returned) {
        await this.redis.zrem(this.keys.deadlines(order.activity_id), orderId);
        return;
      }
      await this.units.giveBack(order);
    } finally {
      this.running.delete(key);
    }
  }

  private async once(what: string, task: () => Promise<unknown>): Promise<void> {
    if (this.running.has(what)) return;
    this.running.add(what);
    try {
      await task();
    } catch (err) {
      this.log.warn({ err }, `order expiry (${what}) failed; retried on the next round`);
    } finally {
      this.running.delete(what);
    }
  }
}
