import { describe, expect, it } from 'vitest';
import { SkError } from '@sk/http';
import { KILL_BATCH_PATH } from '@sk/seckill';
import { KillBatches, type Kill, type KillAnswer } from '../src/kill-batches.js';
import type { OutboundRequest, UpstreamResponse } from '../src/outbound.js';

const kill = (n: number): Kill => ({ authorization: `Bearer t${n}`, client_ip: '127.0.0.1', body: `{"product_id":${n}}` });
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** A stand-in for sk-app's batch route: answers each kill with its own product id as the code. */
function echoing(sent: OutboundRequest[]) {
  return async (request: OutboundRequest): Promise<UpstreamResponse> => {
    sent.push(request);
    const { kills } = JSON.parse(request.body!.toString()) as { kills: Kill[] };
    const answers = kills.map((k) => ({ status: 200, body: JSON.stringify({ code: JSON.parse(k.body).product_id }) }));
    return { status: 200, headers: {}, body: json({ answers }) };
  };
}

const bodyOf = (answer: KillAnswer) => JSON.parse(answer.body.toString());

describe('kill batches', () => {
  it('sends the kills of one turn as one request and gives each its own answer', async () => {
    const sent: OutboundRequest[] = [];
    const batches = new KillBatches(echoing(sent));
    const answers = await Promise.all([1, 2, 3].map((n) => batches.attempt(kill(n))));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', url: KILL_BATCH_PATH });
    expect(JSON.parse(sent[0]!.body!.toString())).toEqual({ kills: [kill(1), kill(2), kill(3)] });
    expect(answers.map(bodyOf)).toEqual([{ code: 1 }, { code: 2 }, { code: 3 }]);
    expect(answers[0]!.headers['content-type']).toBe('application/json; charset=utf-8');

    // A later turn is a batch of its own.
    expect(bodyOf(await batches.attempt(kill(4)))).toEqual({ code: 4 });
    expect(sent).toHaveLength(2);
  });

  it('splits a turn into batches of at most the maximum', async () => {
    const sent: OutboundRequest[] = [];
    const batches = new KillBatches(echoing(sent), 2);
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => batches.attempt(kill(n))));
    expect(sent.map((r) => JSON.parse(r.body!.toString()).kills.length)).toEqual([2, 2, 1]);
    expect(answers.map(bodyOf)).toEqual([1, 2, 3, 4, 5].map((code) => ({ code })));
  });

  it("hands sk-app's refusal of a whole batch to each of its kills", async () => {
    const busy = { status: 503, headers: { 'content-type': 'application/json' }, body: json({ code: 1001 }) };
    const batches = new KillBatches(async () => busy);
    expect(await Promise.all([1, 2].map((n) => batches.attempt(kill(n))))).toEqual([busy, busy]);
  });

  it('fails every kill of a batch that failed or was answered unreadably', async () => {
    const down = new KillBatches(async () => {
      throw new SkError({ code: 1111, status: 503, message: 'upstream unavailable' });
    });
    await expect(Promise.all([down.attempt(kill(1)), down.attempt(kill(2))])).rejects.toMatchObject({ info: { code: 1111 } });

    for (const body of [Buffer.from('not json'), json({ answers: [{ status: 200, body: '{}' }] })]) {
      const garbled = new KillBatches(async () => ({ status: 200, headers: {}, body }));
      const results = await Promise.allSettled([garbled.attempt(kill(1)), garbled.attempt(kill(2))]);
      expect(results.map((r) => r.status === 'rejected' && (r.reason as SkError).info.code)).toEqual([1111, 1111]);
    }
  });
});
