import { Codes, SkError } from '@sk/http';
import { readSold, remainingOf, type ActivityConfig, type RedisKeys } from '@sk/seckill';
import { isRedisReady, type Redis } from '@sk/storage';
import { isMirrored, type ActivityChanges, type ActivityRecord, type ActivityStore, type NewActivity } from './activities.js';
import type { MirrorReconciler, MirrorState } from './mirror.js';

/** What operators see of an activity. */
function activityView(config: ActivityConfig, mirror: MirrorState) {
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
    mirror,
  };
}
export type ActivityView = ReturnType<typeof activityView>;
export type LiveActivityView = ActivityView & { sold: number; remaining: number };
/** One activity in full: also its /sec/kill requests and their answers by code. */
export type ActivityStatsView = LiveActivityView & { requests: number; answers: Record<string, number> };

const mirrorState = (record: ActivityRecord): MirrorState => (isMirrored(record) ? 'done' : 'pending');

/** Operator use cases on activities: each write is mirrored to ZooKeeper before answering, reads add live sales. */
export class ActivityService {
  constructor(
    private readonly store: ActivityStore,
    private readonly reconciler: MirrorReconciler,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async create(input: NewActivity): Promise<ActivityView> {
    const record = await this.store.create(input);
    return activityView(record.config, await this.reconciler.mirrorNow(record.config));
  }

  /** The activity before and after the change (for the audit log). */
  async update(id: number, changes: ActivityChanges): Promise<{ before: ActivityView; after: ActivityView }> {
    const { before, after } = await this.store.update(id, changes);
    return { before: activityView(before.config, mirrorState(before)), after: activityView(after.config, await this.reconciler.mirrorNow(after.config)) };
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
