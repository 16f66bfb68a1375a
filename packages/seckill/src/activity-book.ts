import { EventEmitter } from 'node:events';
import { ChildrenCache, type ZkSession } from '@sk/zookeeper';
import { activityStatus, parseActivity, type ActivityConfig, type ActivityStatus } from './activity.js';
import { zkPaths } from './wire/keys.js';

/**
 * Every activity, held in memory from the ZooKeeper mirror and kept current by watches, plus
 * what this instance knows of sold-out activities, so the crowd is answered without I/O.
 */
export class ActivityBook extends EventEmitter {
  private byId = new Map<number, ActivityConfig>();
  private byProduct = new Map<number, ActivityConfig[]>();
  /** activity id → the `total` at which it was seen sold out (a grown total reopens it). */
  private readonly soldOutAt = new Map<number, number>();
  private readonly cache: ChildrenCache;
  private loadedOnce = false;

  constructor(
    private readonly zk: ZkSession,
    private readonly root: string,
  ) {
    super();
    this.cache = new ChildrenCache(zk, zkPaths(root).activities);
    this.cache.on('change', (nodes: Map<string, Buffer>) => this.replace(nodes));
    this.cache.on('loaded', () => {
      this.loadedOnce = true;
      this.emit('loaded');
    });
    this.cache.on('error', (err) => this.emit('warning', err));
  }

  /** Starts watching; resolves after the first full load (or at once when ZooKeeper is not yet reachable). */
  async start(): Promise<void> {
    await this.cache.start();
  }

  stop(): void {
    this.cache.stop();
  }

  get loaded(): boolean {
    return this.loadedOnce;
  }

  private replace(nodes: Map<string, Buffer>): void {
    const next = new Map<number, ActivityConfig>();
    for (const data of nodes.values()) {
      const activity = parseActivity(data);
      if (!activity) continue;
      // A version fetched directly may be ahead of what the watch has delivered so far.
      const held = this.byId.get(activity.activity_id);
      next.set(activity.activity_id, held && held.version > activity.version ? held : activity);
    }
    this.index(next);
  }

  /**
   * Reads one activity straight from ZooKeeper, for a caller that knows of a newer version than
   * the watch has delivered here yet (watches reach instances at slightly different moments).
   */
  async fetch(activityId: number): Promise<ActivityConfig | undefined> {
    const node = await this.zk.getData(zkPaths(this.root).activity(activityId));
    const fresh = node && parseActivity(node.data);
    const held = this.byId.get(activityId);
    if (!fresh || (held && held.version >= fresh.version)) return held;
    this.index(new Map(this.byId).set(activityId, fresh));
    return fresh;
  }

  private index(next: Map<number, ActivityConfig>): void {
    const byProduct = new Map<number, ActivityConfig[]>();
    for (const a of next.values()) byProduct.set(a.product_id, [...(byProduct.get(a.product_id) ?? []), a]);
    this.byId = next;
    this.byProduct = byProduct;
    this.emit('change', next);
  }

  get(activityId: number): ActivityConfig | undefined {
    return this.byId.get(activityId);
  }

  all(): ActivityConfig[] {
    return [...this.byId.values()].sort((a, b) => a.activity_id - b.activity_id);
  }

  /** Every activity of a product, from the index (no scan of all activities). */
  ofProduct(productId: number): readonly ActivityConfig[] {
    return this.byProduct.get(productId) ?? [];
  }

  /**
   * The activity a shopper means by a product: the one on sale, else the next to start, else
   * the one that ended last.
   */
  forProduct(productId: number, now: number): ActivityConfig | undefined {
    const candidates = this.ofProduct(productId);
    if (candidates.length <= 1) return candidates[0];
    const rank = (a: ActivityConfig) => {
      const status = this.status(a, now);
      return status === 'on_sale' || status === 'sold_out' ? 0 : status === 'not_started' ? 1 : 2;
    };
    return [...candidates].sort((a, b) => rank(a) - rank(b) || (rank(a) === 1 ? a.start_time - b.start_time : b.end_time - a.end_time))[0];
  }

  /** Records that the activity sold out at `total`; true when this is news to the instance. */
  markSoldOut(activityId: number, total: number): boolean {
    if ((this.soldOutAt.get(activityId) ?? 0) >= total) return false;
    this.soldOutAt.set(activityId, total);
    return true;
  }

  /** Forgets that the activity sold out: a unit came back (an order expired or was cancelled). */
  reopen(activityId: number): void {
    this.soldOutAt.delete(activityId);
  }

  /** Whether this instance has learnt of any sold-out activity at all (a cheap guard for the hot path). */
  get anySoldOut(): boolean {
    return this.soldOutAt.size > 0;
  }

  isSoldOut(a: ActivityConfig): boolean {
    return (this.soldOutAt.get(a.activity_id) ?? 0) >= a.total;
  }

  /** Status from memory alone: sold out only as far as this instance has learnt it. */
  status(a: ActivityConfig, now: number): ActivityStatus {
    return activityStatus(a, now, this.isSoldOut(a) ? a.total : 0);
  }
}
