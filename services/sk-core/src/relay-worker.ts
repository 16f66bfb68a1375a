import type { FastifyBaseLogger } from 'fastify';
import { Loop } from '@sk/concurrency';
import { Codes } from '@sk/http';
import { popBatch, type Redis } from '@sk/storage';
import { parseJson, relayRequestSchema, type RelayReply, type RelayRequest } from '@sk/seckill';
import type { Tracing } from '@sk/tracing';
import type { Qualifier } from './qualifier.js';

export interface RelayWorkerOptions {
  batchSize: number;
  /** Seconds a pop blocks before the loop looks at `stop` again. */
  popTimeoutS?: number;
  /** Told each batch's size and how long deciding and answering it took, in seconds. */
  observe?: (size: number, seconds: number) => void;
  /** Records each traced request's decision as a child of the sk-app span that relayed it. */
  tracing?: Tracing | undefined;
}

/** How long a reply list may outlive its sk-app instance. */
const REPLY_TTL_S = 60;

/**
 * One loop on its own blocking connection: pops a batch of requests from one relay list, decides
 * them all at once (the Lua calls share a pipeline on one Redis), and pushes the replies to each
 * caller's own reply list.
 */
export class RelayWorker {
  private readonly loop = new Loop(() => this.turn());

  constructor(
    private readonly blocking: Redis,
    private readonly redis: Redis,
    private readonly qualifier: Qualifier,
    /** The relay list this loop serves. */
    private readonly list: string,
    private readonly log: FastifyBaseLogger,
    private readonly opts: RelayWorkerOptions,
  ) {}

  start(): void {
    this.loop.start();
  }

  /** Ends the loop and closes its two connections, which are its own. */
  async stop(): Promise<void> {
    await this.loop.stop();
    this.blocking.disconnect();
    this.redis.disconnect();
  }

  private async turn(): Promise<void> {
    try {
      const batch = await popBatch(this.blocking, this.list, this.opts.batchSize, this.opts.popTimeoutS ?? 1);
      if (batch.length > 0) {
        const started = performance.now();
        await this.handle(batch);
        this.opts.observe?.(batch.length, (performance.now() - started) / 1000);
      }
    } catch (err) {
      this.log.warn({ err }, 'relay pop failed; retrying');
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async handle(batch: string[]): Promise<void> {
    const requests = batch.flatMap((raw) => this.parse(raw));
    const tracing = this.opts.tracing;
    const spans = tracing && requests.map((req) => req.trace && tracing.child(req.trace, 'qualify'));
    // The batch's Lua calls, as a Redis call of each traced request.
    const calls = spans?.map(
      (span) => span && tracing?.call(span.context, 'redis', 'evalsha qualify', { 'sk.batch_size': String(requests.length) }),
    );
    let replies: (RelayReply | null)[];
    try {
      replies = await this.qualifier.qualifyBatch(requests);
      calls?.forEach((call) => call?.finish());
    } catch (err) {
      calls?.forEach((call) => call?.finish(err));
      // The Lua steps may or may not have run: callers learn the truth from /sec/result.
      this.log.error({ err, size: requests.length }, 'qualification failed');
      replies = requests.map((req) => ({ id: req.id, code: Codes.TIMEOUT.code }));
    }
    // Closed before the replies leave, so each span ends within its sk-app parent.
    spans?.forEach((span, i) => span?.finish({ code: String(replies[i]?.code ?? 'dropped'), 'sk.batch_size': String(requests.length) }));
    const byList = new Map<string, string[]>();
    requests.forEach((req, i) => {
      const reply = replies[i];
      if (!reply) return;
      const list = byList.get(req.reply_to) ?? [];
      list.push(JSON.stringify(reply));
      byList.set(req.reply_to, list);
    });
    await Promise.all(
      // Auto-pipelined: every caller's replies and their expiry leave in one write.
      [...byList].flatMap(([to, items]) => [this.redis.lpush(to, ...items), this.redis.expire(to, REPLY_TTL_S)]),
    );
  }

  private parse(raw: string): RelayRequest[] {
    const request = parseJson(relayRequestSchema, raw);
    if (request) return [request];
    this.log.warn({ raw: raw.slice(0, 200) }, 'dropping malformed relay request');
    return [];
  }
}
