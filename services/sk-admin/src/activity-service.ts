import { Codes, SkError } from '@sk/http';
import type { Identity } from '@sk/identity';
import { readSold, remainingOf, type ActivityConfig, type RedisKeys } from '@sk/seckill';
import { isRedisReady, type Redis } from '@sk/storage';
import { isMirrored, type ActivityChanges, type ActivityRecord, type ActivityStore, type NewActivity } from './activities.js';
import type { AuditLog } from './audit.js';
import type { MirrorReconciler, MirrorState } from './mirror.js';

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
    version: config.version,
  };
}

/** What operators see of an activity: its state, and whether ZooKeeper holds it yet. */
const activityView = (config: ActivityConfig, mirror: MirrorState) => ({ ...activityState(config), mirror });
export type ActivityView = ReturnType<typeof activityView>;
export type LiveActivityView = ActivityView & { sold: number; remaining: number };
/** One activity in full: also its /sec/kill requests and their answers by code. */
export type ActivityStatsView = LiveActivityView & { requests: number; answers: Record<string, number> };

const mirrorState = (record: ActivityRecord): MirrorState => (isMirrored(record) ? 'done' : 'pending');

const target = (config: ActivityConfig) => `activity:${config.activity_id}`;

/**
 * Operator use cases on activities: each write is committed with its audit entry, then mirrored
 * to ZooKeeper before answering (`pending` if ZooKeeper did not take it in time); reads add live sales.
 */
export class ActivityService {
  constructor(
    private readonly store: ActivityStore,
    private readonly reconciler: MirrorReconciler,
    private readonly audit: AuditLog,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async create(actor: Identity, input: NewActivity): Promise<ActivityView> {
    const created = await this.audit.change(actor, async (tx) => {
      const { config } = await this.store.create(tx, input);
      return { result: config, audit: { action: 'activity.create', target: target(config), before: null, after: activityState(config) } };
    });
    return this.mirrored(created);
  }

  async update(actor: Identity, id: number, changes: ActivityChanges): Promise<ActivityView> {
    const updated = await this.audit.change(actor, async (tx) => {
      const { before, after } = await this.store.update(tx, id, changes);
      const audit = { action: 'activity.update', target: target(after.config), before: activityState(before.config), after: activityState(after.config) };
      return { result: after.config, audit };
    });
    return this.mirrored(updated);
  }

  /** After the commit: the committed config mirrored now, or left to the reconciler. */
  private async mirrored(config: ActivityConfig): Promise<ActivityView> {
    return activityView(config, await this.reconciler.mirrorNow(config));
  }

  async get(id: number): Promise<ActivityStatsView> {
    const record = await this.store.require(id);
    const [[sold = 0], answers] = await Promise.all([this.soldCounts([id]), this.answerCounts(id)]);
    const requests = Object.values(answers).reduce((sum, n) => sum + n, 0);
    return { ...liveView(record, sold), requests, answers };
  }

  async list(): Promise<LiveActivityView[]> {
    const records = await this.store.list();
    const sold = await this.soldCounts(records.map((r) => r.config.activity_id));
    return records.map((record, i) => liveView(record, sold[i] ?? 0));
  }

  /** Qualifications issued per activity, as sk-core counts them in Redis (a missing key is 0). */
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

function liveView(record: ActivityRecord, sold: number): LiveActivityView {
  const { config } = record;
  return { ...activityView(config, mirrorState(record)), sold, remaining: remainingOf(config.total, sold) };
}
