import { Codes, SkError } from '@sk/http';
import type { Identity } from '@sk/identity';
import { heldCount, noOrders, type OrderCounts, type OrderStore, type SaleRestorer } from '@sk/orders';
import { readSold, remainingOf, type ActivityConfig, type RedisKeys } from '@sk/seckill';
import { isRedisReady, type Redis } from '@sk/storage';
import type { FastifyBaseLogger } from 'fastify';
import type { MirrorReconciler, MirrorState } from './activity-mirror.js';
import { isMirrored, type ActivityRecord, type ActivityStore } from './activity-store.js';
import type { AuditLog } from './audit-log.js';
import type { ActivityChanges, NewActivity } from './schemas/activities.js';

/** An activity's state as MySQL holds it: what the audit log keeps of it. */
function activityState(config: ActivityConfig) {
  return {
    activity_id: config.activity_id,
    name: config.name,
    product_id: config.product_id,
    start_time: new Date(config.start_time).toISOString(),
    end_time: new Date(config.end_time).toISOString(),
    total: config.total,
    buy_limit: config.buy_limit,
    buy_rate: config.buy_rate,
    status: config.status,
    pay_window_s: config.pay_window_s,
    version: config.version,
  };
}

/** What operators see of an activity: its state, and whether ZooKeeper holds it yet. */
const activityView = (config: ActivityConfig, mirror: MirrorState) => ({ ...activityState(config), mirror });
export type ActivityView = ReturnType<typeof activityView>;
export type LiveActivityView = ActivityView & { sold: number; remaining: number; orders: OrderCounts };
/** One activity in full: also its /sec/kill requests and their answers by code. */
export type ActivityStatsView = LiveActivityView & { requests: number; answers: Record<string, number> };
/** The sale's count of units held (Redis) against the orders holding one (MySQL). */
export interface Reconciliation {
  sold: number;
  held: number;
  /** sold − held */
  drift: number;
}

const mirrorState = (record: ActivityRecord): MirrorState => (isMirrored(record) ? 'done' : 'pending');

const target = (activityId: number) => `activity:${activityId}`;

/**
 * Operator use cases on activities: each write is committed with its audit entry, then mirrored
 * to ZooKeeper before answering (`pending` if ZooKeeper did not take it in time); reads add live
 * sales and orders; reconciliation compares the sale's counts with the orders and repairs them.
 */
export class ActivityService {
  constructor(
    private readonly store: ActivityStore,
    private readonly reconciler: MirrorReconciler,
    private readonly audit: AuditLog,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly orders: OrderStore,
    private readonly restorer: SaleRestorer,
    private readonly log: FastifyBaseLogger,
  ) {}

  async create(actor: Identity, input: NewActivity): Promise<ActivityView> {
    const created = await this.audit.change(actor, async (tx) => {
      const { config } = await this.store.create(tx, input);
      return {
        result: config,
        audit: { action: 'activity.create', target: target(config.activity_id), before: null, after: activityState(config) },
      };
    });
    const view = await this.mirrored(created);
    await this.loadSale(created.activity_id);
    return view;
  }

  async update(actor: Identity, id: number, changes: ActivityChanges): Promise<ActivityView> {
    const updated = await this.audit.change(actor, async (tx) => {
      const { before, after } = await this.store.update(tx, id, changes);
      const audit = {
        action: 'activity.update',
        target: target(id),
        before: activityState(before.config),
        after: activityState(after.config),
      };
      return { result: after.config, audit };
    });
    return this.mirrored(updated);
  }

  /** After the commit: the committed config mirrored now, or left to the reconciler. */
  private async mirrored(config: ActivityConfig): Promise<ActivityView> {
    return activityView(config, await this.reconciler.mirrorNow(config));
  }

  /**
   * Loads a new activity's (empty) sale counts, so it can sell as soon as it starts. Never forced:
   * counts already loaded stay. Without Redis, sk-order's loader loads them once it is back.
   */
  private async loadSale(activityId: number): Promise<void> {
    try {
      if (!isRedisReady(this.redis)) throw new Error('Redis unreachable');
      if ((await this.restorer.restore(activityId)) === 'lost') throw new Error('load interrupted');
    } catch (err) {
      this.log.warn({ err, activityId }, 'sale counts of the new activity not loaded yet');
    }
  }

  async get(id: number): Promise<ActivityStatsView> {
    const record = await this.store.require(id);
    const [[sold = 0], answers, orders] = await Promise.all([this.soldCounts([id]), this.answerCounts(id), this.orders.countsOf(id)]);
    const requests = Object.values(answers).reduce((sum, n) => sum + n, 0);
    return { ...liveView(record, sold, orders), requests, answers };
  }

  async list(): Promise<LiveActivityView[]> {
    const records = await this.store.list();
    // Every activity is listed: the orders of all of them, in one grouped query.
    const [sold, orders] = await Promise.all([this.soldCounts(records.map((r) => r.config.activity_id)), this.orders.counts()]);
    return records.map((record, i) => liveView(record, sold[i] ?? 0, orders.get(record.config.activity_id) ?? noOrders()));
  }

  async reconciliation(id: number): Promise<Reconciliation> {
    await this.store.require(id);
    return this.compare(id);
  }

  private async compare(id: number): Promise<Reconciliation> {
    const [[sold = 0], orders] = await Promise.all([this.soldCounts([id]), this.orders.countsOf(id)]);
    const held = heldCount(orders);
    return { sold, held, drift: sold - held };
  }

  /**
   * Rebuilds the activity's sale counts from its orders in MySQL, the truth (nothing sells
   * meanwhile), and audits the repair with the reconciliation before and after it.
   */
  async reconcile(actor: Identity, id: number): Promise<Reconciliation> {
    const before = await this.reconciliation(id);
    const outcome = await this.counters(() => this.restorer.restore(id, { force: true }));
    if (outcome === 'busy') throw new SkError(Codes.BUSY, 'the sale counts are being rebuilt already');
    if (outcome !== 'restored') throw new SkError(Codes.BUSY, 'the rebuild of the sale counts was interrupted');
    const after = await this.compare(id);
    await this.audit.record(actor, { action: 'activity.reconcile', target: target(id), before, after });
    return after;
  }

  /** Units held per activity, as the sale counts them in Redis (a missing key is 0). */
  private soldCounts(activityIds: number[]): Promise<number[]> {
    return this.counters(() => readSold(this.redis, this.keys, activityIds));
  }

  /** /sec/kill answers of the activity by code, as the sk-app instances count them in Redis. */
  private answerCounts(activityId: number): Promise<Record<string, number>> {
    return this.counters(async () => {
      const counts = await this.redis.hgetall(this.keys.answers(activityId));
      return Object.fromEntries(Object.entries(counts).map(([code, n]) => [code, Number(n)]));
    });
  }

  private async counters<T>(read: () => Promise<T>): Promise<T> {
    if (!isRedisReady(this.redis)) throw new SkError(Codes.BUSY, 'sales counters unavailable');
    try {
      return await read();
    } catch {
      throw new SkError(Codes.BUSY, 'sales counters unavailable');
    }
  }
}

function liveView(record: ActivityRecord, sold: number, orders: OrderCounts): LiveActivityView {
  const { config } = record;
  return { ...activityView(config, mirrorState(record)), sold, remaining: remainingOf(config.total, sold), orders };
}
