import { Codes, SkError, type CodeInfo } from '@sk/codes';
import type { ActivityBook } from './activity-book.js';
import type { RedisKeys } from './wire/keys.js';
import type { Redis } from '@sk/storage';
import { BatchedCounts, type Tally } from './batched-counts.js';

interface Answered {
  activityId: number;
  code: number;
}

/**
 * /sec/kill answers per activity and code, for operators: counted in memory and added to the
 * activity's `answers` hash (HINCRBY, one pipeline per flush), summed over every instance.
 */
export class AnswerCounts {
  private readonly counts: BatchedCounts<Answered>;

  constructor(
    private readonly book: ActivityBook,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly log: { warn(details: object, message: string): void },
    flushMs = 200,
    private readonly now: () => number = Date.now,
  ) {
    this.counts = new BatchedCounts(flushMs, (batch) => this.write(batch));
  }

  start(): void {
    this.counts.start();
  }

  stop(): void {
    this.counts.stop();
  }

  /** Writes what was counted since the last flush (at shutdown, so the last moments count too). */
  flush(): Promise<void> {
    return this.counts.flush();
  }

  /** Runs one attempt on `productId` and counts its answer: success, or the code of its refusal. */
  async track<T>(productId: number, attempt: () => Promise<T>): Promise<T> {
    try {
      const result = await attempt();
      this.count(productId, Codes.SECKILL_SUCCESS);
      return result;
    } catch (err) {
      // What the error handler answers: an SkError's code, 1001 for anything else.
      this.count(productId, err instanceof SkError ? err.info : Codes.BUSY);
      throw err;
    }
  }

  /** Answers about a product no activity holds belong to no activity: not counted. */
  private count(productId: number, answer: CodeInfo): void {
    const activity = this.book.forProduct(productId, this.now());
    if (activity) this.countFor(activity.activity_id, answer);
  }

  /** Counts one answer given on an activity (e.g. the gateway's sold-out answers). */
  countFor(activityId: number, answer: CodeInfo): void {
    this.counts.add(`${activityId}:${answer.code}`, () => ({ activityId, code: answer.code }));
  }

  private async write(batch: Tally<Answered>[]): Promise<void> {
    try {
      // One command per activity (the client pipelines them): activities lie in many slots of a cluster.
      await Promise.all(batch.map(({ item, count }) => this.redis.hincrby(this.keys.answers(item.activityId), String(item.code), count)));
    } catch (err) {
      // Counts of one flush are lost while Redis is down; the sale itself does not depend on them.
      this.log.warn({ err }, 'answer counters not updated');
    }
  }
}
