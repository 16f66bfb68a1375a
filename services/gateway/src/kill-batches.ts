import { TurnBatch } from '@sk/concurrency';
import { Codes, SkError } from '@sk/http';
import { KILL_BATCH_MAX, KILL_BATCH_PATH, killBatchAnswersSchema, parseJson, type KillBatch } from '@sk/seckill';
import type { HeaderMap, OutboundRequest, UpstreamResponse } from './outbound.js';

export type Kill = KillBatch['kills'][number];

/** A kill's answer; its body a string as sk-app serialized it, sent to the client in one write with the head. */
export interface KillAnswer {
  status: number;
  headers: HeaderMap;
  body: string | Buffer;
}

interface Waiting {
  kill: Kill;
  resolve: (answer: KillAnswer) => void;
  reject: (err: unknown) => void;
}

const ANSWER_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

/**
 * Sends the purchase attempts of one event-loop turn to sk-app as one request (see
 * KILL_BATCH_PATH) and hands each shopper its own answer: under a crowd, one HTTP exchange with
 * sk-app serves many attempts instead of one.
 */
export class KillBatches {
  private readonly waiting = new TurnBatch<Waiting>((waiting) => {
    for (let i = 0; i < waiting.length; i += this.maxBatch) void this.sendBatch(waiting.slice(i, i + this.maxBatch));
  });

  /** `send`: one request to sk-app, through the gateway's balancing, breakers and retries. */
  constructor(
    private readonly send: (request: OutboundRequest) => Promise<UpstreamResponse>,
    private readonly maxBatch = KILL_BATCH_MAX,
  ) {}

  /** Resolves with the kill's answer (or sk-app's own answer to the batch, when it refused it whole). */
  attempt(kill: Kill): Promise<KillAnswer> {
    return new Promise((resolve, reject) => this.waiting.add({ kill, resolve, reject }));
  }

  private async sendBatch(batch: Waiting[]): Promise<void> {
    try {
      const response = await this.send({
        method: 'POST',
        url: KILL_BATCH_PATH,
        // Its kills are unsampled ones: no trace of its own at sk-app either.
        headers: { 'content-type': 'application/json', 'x-b3-sampled': '0' },
        body: Buffer.from(JSON.stringify({ kills: batch.map((w) => w.kill) })),
      });
      if (response.status !== 200) {
        for (const w of batch) w.resolve(response);
        return;
      }
      const answers = parseAnswers(response.body, batch.length);
      batch.forEach((w, i) => {
        const answer = answers[i]!;
        w.resolve({
          status: answer.status,
          headers: answer.headers ? { ...ANSWER_HEADERS, ...answer.headers } : ANSWER_HEADERS,
          body: answer.body,
        });
      });
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}

function parseAnswers(body: Buffer, expected: number) {
  const parsed = parseJson(killBatchAnswersSchema, body.toString('utf8'));
  // The attempts may have been made: like a hop that failed midway, and /sec/result knows.
  if (!parsed || parsed.answers.length !== expected) throw new SkError(Codes.UPSTREAM_UNAVAILABLE, 'sk-app answered the batch unreadably');
  return parsed.answers;
}
