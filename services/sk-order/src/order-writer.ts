import type { FastifyBaseLogger } from 'fastify';
import { Loop } from '@sk/concurrency';
import type { OrderStore } from '@sk/orders';
import { orderRecordsOf, type RedisKeys, type StreamEntry } from '@sk/seckill';
import type { Redis, ReplicaAcks } from '@sk/storage';
import type { ActivityScope } from './activity-scope.js';
import { WRITERS_GROUP, acknowledgedBelow, createGroup, groupState } from './stream-group.js';

export interface OrderWriterOptions {
  /** This writer's name in the group: stable across restarts, so a restarted writer finds its own unacknowledged entries. */
  consumer: string;
  batchSize: number;
  /** Pause after a round that found less than a batch. */
  pollMs: number;
  /** Entries delivered to another writer and unacknowledged this long are taken over. */
  claimIdleMs: number;
  /** Told how many entries each batch wrote (an entry replayed after a crash counts again). */
  stored?: (rows: number) => void;
  /**
   * Entries are stored only once replicas hold them: an order stored from an entry that a failover
   * then takes back would be an order that Redis's counts do not hold, whose unit could sell again.
   */
  replicaAcks?: Pick<ReplicaAcks, 'confirm'>;
}

type Delivery = [key: string, entries: StreamEntry[]][] | null;
/** What one round read of one activity's stream. */
type StreamRead = { id: number; entries: StreamEntry[] };

/**
 * Stores the orders of the activities' order streams in MySQL, exactly once: reads each stream in
 * a consumer group, writes what one round read in one multi-row statement (a replayed entry is a
 * no-op: the order id is the key), and acknowledges only after that commit. Entries of a writer
 * that died are claimed by another; a stream is trimmed only below what the group acknowledged.
 */
export class OrderWriter {
  private readonly loop = new Loop(() => this.turn());
  /** Streams whose group exists and whose entries left pending by an earlier life of this writer were taken up. */
  private readonly ready = new Set<number>();
  private lastClaim = 0;
  private lastTrim = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly store: OrderStore,
    private readonly scope: ActivityScope,
    private readonly log: FastifyBaseLogger,
    private readonly opts: OrderWriterOptions,
  ) {}

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async turn(): Promise<void> {
    let stored = 0;
    try {
      stored = await this.round(this.scope.next());
    } catch (err) {
      this.log.warn({ err }, 'order writer round failed; retrying');
      this.ready.clear();
      await sleep(500);
    }
    // Rounds back to back only while a backlog fills whole batches: otherwise a pause lets the next
    // round's batch grow, so a sale costs MySQL a few large inserts a second instead of many small ones.
    if (stored < this.opts.batchSize) await sleep(this.opts.pollMs);
  }

  /** Reads every stream once, stores what it read (and the replicas hold), acknowledges it; the entries stored. */
  async round(activityIds: number[]): Promise<number> {
    const now = Date.now();
    const claim = now - this.lastClaim >= this.opts.claimIdleMs / 2;
    if (claim) this.lastClaim = now;
    const read = await Promise.all(activityIds.map(async (id) => ({ id, entries: await this.read(id, claim) })));
    const storable = await this.replicated(read.filter((r) => r.entries.length > 0));
    const entries = storable.flatMap((r) => r.entries);
    if (entries.length > 0) {
      const { records, malformed } = orderRecordsOf(entries);
      if (malformed.length > 0) this.log.error({ ids: malformed }, 'order stream entries without an order: acknowledged, not stored');
      await this.store.insert(records);
      this.opts.stored?.(records.length);
      await Promise.all(storable.map((r) => this.redis.xack(this.keys.orders(r.id), WRITERS_GROUP, ...r.entries.map(([id]) => id))));
    }
    if (now - this.lastTrim >= TRIM_EVERY_MS) {
      this.lastTrim = now;
      await Promise.all(activityIds.filter((id) => this.ready.has(id)).map((id) => this.trim(id)));
    }
    return entries.length;
  }

  /**
   * The streams whose entries read are on the replicas. The others' stay pending, unacknowledged,
   * and are claimed again once idle (a shard without its replica holds up only its own orders;
   * their wait shows as the stream lag).
   */
  private async replicated(read: StreamRead[]): Promise<StreamRead[]> {
    const acks = this.opts.replicaAcks;
    if (!acks) return read;
    const confirmed = await Promise.all(read.map((r) => acks.confirm(this.keys.orders(r.id))));
    return read.filter((_, i) => confirmed[i]);
  }

  /** New entries of one stream, after (on `claim` rounds) those another writer left unacknowledged too long. */
  private async read(activityId: number, claim: boolean): Promise<StreamEntry[]> {
    const key = this.keys.orders(activityId);
    const { consumer, batchSize } = this.opts;
    if (!this.ready.has(activityId)) {
      await createGroup(this.redis, key);
      this.ready.add(activityId);
      // What this writer's earlier life read and did not acknowledge (it was stopped mid-batch).
      const own = await this.readGroup(key, '0');
      if (own.length > 0) return own;
    }
    if (claim) {
      const [, claimed] = (await this.redis.xautoclaim(key, WRITERS_GROUP, consumer, this.opts.claimIdleMs, '0-0', 'COUNT', batchSize)) as [
        string,
        StreamEntry[],
      ];
      const live = claimed.filter((entry): entry is StreamEntry => Array.isArray(entry) && Array.isArray(entry[1]));
      if (live.length > 0) return live;
    }
    return this.readGroup(key, '>');
  }

  private async readGroup(key: string, from: '0' | '>'): Promise<StreamEntry[]> {
    const delivered = (await this.redis.xreadgroup(
      'GROUP',
      WRITERS_GROUP,
      this.opts.consumer,
      'COUNT',
      this.opts.batchSize,
      'STREAMS',
      key,
      from,
    )) as Delivery;
    return delivered?.[0]?.[1] ?? [];
  }

  /** Drops the entries every writer has acknowledged. */
  private async trim(activityId: number): Promise<void> {
    const key = this.keys.orders(activityId);
    const below = acknowledgedBelow(await groupState(this.redis, key));
    if (below) await this.redis.xtrim(key, 'MINID', below);
  }
}

const TRIM_EVERY_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
