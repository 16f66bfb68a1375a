import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { TurnBatch } from '@sk/concurrency';
import { Codes } from '@sk/http';
import { evalScript, isRedisReplyError, loadLua, popBatch, type Redis } from '@sk/storage';
import { parseJson, relayReplySchema, type RedisKeys, type RelayReply, type RelayRequest } from '@sk/seckill';
import { fromB3, type CallSpan, type Tracing } from '@sk/tracing';

export type RelayOutcome = RelayReply | { id: string; code: typeof Codes.TIMEOUT.code } | { id: string; code: typeof Codes.BUSY.code };

const RELAY_PUSH = loadLua(new URL('../lua/relay-push.lua', import.meta.url));

export interface RelayOptions {
  instanceId: string;
  timeoutMs: number;
  maxPending: number;
  /** The request lists, taken in turn by successive pushes (RELAY_SHARDS: see relayShards). */
  lists: string[];
  /** Attempts the relay lists may hold together (what sk-core drains within timeoutMs); more are refused 503/1001. */
  maxDepth: number;
  now?: () => number;
  /** Told how long each attempt waited for sk-core, in seconds, and how it ended. */
  observe?: (seconds: number, code: number) => void;
  /** Records the push of each traced attempt as a Redis call of its request. */
  tracing?: Tracing | undefined;
}

type Attempt = Omit<RelayRequest, 'id' | 'reply_to' | 'deadline' | 'trace'>;

/** A caller waiting for its answer: resolved by its reply, or with 1108 once its time is up. */
interface Waiter {
  resolve: (outcome: RelayOutcome) => void;
  /** performance.now() when it was sent. */
  sentAt: number;
}

/** An attempt waiting for the next push, with the span of that push when traced. */
interface Queued {
  id: string;
  json: string;
  span: CallSpan | undefined;
}

/**
 * sk-app's side of the Redis relay: queues attempts on the shared request lists (each push on the
 * next list, so a cluster's masters share the relay) and waits for the answer on this instance's
 * own reply list, one waiter per request id, for a bounded time.
 */
export class RelayClient {
  /** In the order they were sent, which is the order they expire in. */
  private readonly waiters = new Map<string, Waiter>();
  private readonly replyList: string;
  /**
   * Request ids: this process's random prefix and a counter. Unique across restarts of an instance
   * (its reply list outlives it), and cheaper than a UUID each.
   */
  private readonly idPrefix = `${randomBytes(6).toString('base64url')}.`;
  private sent = 0;
  /** One timer for all the waiters instead of one each; a caller gives up at most a tick late. */
  private expiry: NodeJS.Timeout | undefined;
  /** Attempts of one event-loop turn leave in one LPUSH. */
  private readonly outbox = new TurnBatch<Queued>((batch) => this.push(batch));
  private running = false;
  private done: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private pushes = 0;
  /** What one list may hold: its share of maxDepth. */
  private readonly listDepth: number;

  constructor(
    private readonly redis: Redis,
    private readonly blocking: Redis,
    private readonly keys: RedisKeys,
    private readonly log: FastifyBaseLogger,
    private readonly opts: RelayOptions,
  ) {
    this.replyList = keys.replies(opts.instanceId);
    this.now = opts.now ?? Date.now;
    this.listDepth = Math.ceil(opts.maxDepth / opts.lists.length);
  }

  get pending(): number {
    return this.waiters.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = this.listen();
    const tickMs = Math.min(100, Math.max(5, this.opts.timeoutMs / 20));
    this.expiry = setInterval(() => this.expire(performance.now()), tickMs).unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.expiry);
    await this.done;
    this.blocking.disconnect();
    this.expire(Infinity);
  }

  /**
   * Sends one attempt; resolves with sk-core's answer, 1108 when none came in time (the attempt
   * may still have succeeded: /sec/result knows), or 1001 when too many wait already.
   */
  send(attempt: Attempt, trace?: Record<string, string>): Promise<RelayOutcome> {
    const id = this.idPrefix + (this.sent++).toString(36);
    if (this.waiters.size >= this.opts.maxPending) {
      this.opts.observe?.(0, Codes.BUSY.code);
      return Promise.resolve({ id, code: Codes.BUSY.code });
    }
    // Every field named, none spread in: V8 serializes an object built by spreads several times
    // slower, and this one is serialized for every attempt.
    const request: RelayRequest = {
      id,
      reply_to: this.replyList,
      user_id: attempt.user_id,
      activity_id: attempt.activity_id,
      product_id: attempt.product_id,
      activity_version: attempt.activity_version,
      nonce: attempt.nonce,
      nonce_ttl_ms: attempt.nonce_ttl_ms,
      deadline: this.now() + this.opts.timeoutMs,
    };
    if (trace) request.trace = trace;
    const parent = trace && this.opts.tracing ? fromB3(trace) : undefined;
    this.outbox.add({ id, json: JSON.stringify(request), span: parent && this.opts.tracing?.call(parent, 'redis', 'lpush relay') });
    return new Promise((resolve) => this.waiters.set(id, { resolve, sentAt: performance.now() }));
  }

  private push(batch: Queued[]): void {
    const list = this.opts.lists[this.pushes++ % this.opts.lists.length]!;
    evalScript(this.redis, RELAY_PUSH, [list], [this.listDepth, ...batch.map((item) => item.json)]).then(
      (length) => {
        for (const { span } of batch) span?.finish();
        if (length !== -1) return;
        this.log.warn(
          { size: batch.length, list, maxDepth: this.listDepth },
          'relay list full (sk-core behind or down): attempts refused 503/1001',
        );
        for (const { id } of batch) this.settle({ id, code: Codes.BUSY.code });
      },
      (err: unknown) => {
        // Redis's own refusal (out of memory, say) queued nothing: busy. A lost connection may have
        // lost the answer after the push landed, and sk-core may still decide it: unknown, 1108.
        const code = isRedisReplyError(err) ? Codes.BUSY.code : Codes.TIMEOUT.code;
        this.log.warn({ err, size: batch.length, code }, 'relay push failed');
        for (const { id, span } of batch) {
          span?.finish(err);
          this.settle({ id, code });
        }
      },
    );
  }

  private settle(reply: RelayOutcome): void {
    const waiter = this.waiters.get(reply.id);
    if (!waiter) return; // the caller already gave up
    this.waiters.delete(reply.id);
    this.answer(waiter, reply);
  }

  /** Ends in 1108 the wait of every caller whose time is up by `now`. */
  private expire(now: number): void {
    for (const [id, waiter] of this.waiters) {
      if (now - waiter.sentAt < this.opts.timeoutMs) return; // the rest were sent later
      this.waiters.delete(id);
      this.answer(waiter, { id, code: Codes.TIMEOUT.code });
    }
  }

  private answer(waiter: Waiter, outcome: RelayOutcome): void {
    this.opts.observe?.((performance.now() - waiter.sentAt) / 1000, outcome.code);
    waiter.resolve(outcome);
  }

  private async listen(): Promise<void> {
    while (this.running) {
      try {
        for (const raw of await popBatch(this.blocking, this.replyList, 1_000, 1)) {
          const reply = parseJson(relayReplySchema, raw);
          if (reply) this.settle(reply);
        }
      } catch (err) {
        this.log.warn({ err }, 'reply pop failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
