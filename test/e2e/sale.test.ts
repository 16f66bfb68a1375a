import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Suite, answersCounted, isolate, type Shopper } from '@sk/test-support';
import { crowdBuysExactlyTheStock } from './crowd.js';

const iso = isolate('e2e_sale');
let suite: Suite;

beforeAll(async () => {
  suite = await Suite.start(iso);
});

afterAll(async () => {
  await suite?.stop();
  await iso.cleanup();
});

describe('a sale through the gateway, one instance of each service', () => {
  it('sells exactly the stock to 200 shoppers × 10 attempts', async () => {
    await crowdBuysExactlyTheStock(suite);
  });

  it('holds one shopper with 100 concurrent attempts to the buy limit', async () => {
    const [shopper] = (await suite.shoppers(1, 'hammer')) as [Shopper];
    const { productId } = await suite.sale({ total: 50, buy_limit: 3 });
    await suite.until(productId, 'on_sale');
    const answers = await Promise.all(Array.from({ length: 100 }, () => suite.kill(shopper, productId)));
    const codes = answers.map((a) => a.body.code);
    expect(codes.filter((c) => c === 1002)).toHaveLength(3);
    expect(codes.filter((c) => c !== 1002 && c !== 1006 && c !== 1104)).toEqual([]);
    // The hammer spent this shopper's own rate budget: ask for the result as a client would, after Retry-After.
    const retryAfter = Number(answers.find((a) => a.status === 429)?.headers.get('retry-after') ?? 0);
    await new Promise((r) => setTimeout(r, retryAfter * 1000));
    const result = await suite.call('GET', `/sec/result?product_id=${productId}`, undefined, shopper.accessToken);
    expect([result.status, result.body.code, result.body.result?.user_id]).toEqual([200, 1002, shopper.userId]);
  });

  it('puts an activity created while running on sale within 2 s', async () => {
    const { productId } = await suite.sale({ total: 5, buy_limit: 1 });
    const waited = await suite.until(productId, 'on_sale', 2_000);
    expect(waited).toBeLessThanOrEqual(2_000);
    const [shopper] = (await suite.shoppers(1, 'fresh')) as [Shopper];
    expect((await suite.kill(shopper, productId)).body.code).toBe(1002);
  });

  it('refuses replays, stale or bad signatures, missing tokens; ignores a body user_id', async () => {
    const [alice, bob] = (await suite.shoppers(2, 'sec')) as [Shopper, Shopper];
    const { productId } = await suite.sale({ total: 10, buy_limit: 5 });
    await suite.until(productId, 'on_sale');

    const body = suite.killBody(alice, productId);
    expect((await suite.call('POST', '/sec/kill', body, alice.accessToken)).body.code).toBe(1002);
    const replay = await suite.call('POST', '/sec/kill', body, alice.accessToken);
    expect([replay.status, replay.body.code]).toEqual([403, 1110]);

    const stale = suite.killBody(alice, productId, { sec_time: Date.now() - 60_000 });
    expect((await suite.call('POST', '/sec/kill', stale, alice.accessToken)).body.code).toBe(1110);

    const forged = { ...suite.killBody(alice, productId), sign: 'ab'.repeat(32) };
    expect((await suite.call('POST', '/sec/kill', forged, alice.accessToken)).body.code).toBe(1110);

    const noToken = await suite.call('POST', '/sec/kill', suite.killBody(alice, productId));
    expect([noToken.status, noToken.body.code]).toEqual([401, 1103]);
    const badToken = await suite.call('POST', '/sec/kill', suite.killBody(alice, productId), 'not-a-token');
    expect([badToken.status, badToken.body.code]).toEqual([401, 1103]);

    // Alice names Bob in the body: the sale is hers, signed with her key, or nothing.
    const asBob = { ...suite.killBody(alice, productId), user_id: bob.userId };
    const answer = await suite.call('POST', '/sec/kill', asBob, alice.accessToken);
    expect(answer.body.code).toBe(1002);
    expect(answer.body.result?.user_id).toBe(alice.userId);
    const bobs = await suite.call('GET', `/sec/result?product_id=${productId}`, undefined, bob.accessToken);
    expect([bobs.status, bobs.body.code]).toEqual([404, 1003]);
    // Signed with Bob's user id but sent with Alice's token: the signature does not match her.
    const bobFields = suite.killBody(bob, productId);
    expect((await suite.call('POST', '/sec/kill', bobFields, alice.accessToken)).body.code).toBe(1110);
  });

  it('keeps shoppers off the admin API', async () => {
    const [shopper] = (await suite.shoppers(1, 'nosy')) as [Shopper];
    const res = await suite.call('GET', '/admin/products', undefined, shopper.accessToken);
    expect([res.status, res.body.code]).toEqual([403, 1112]);
    const anon = await suite.call('GET', '/admin/products');
    expect([anon.status, anon.body.code]).toEqual([401, 1103]);
  });

  it('answers bad input with 4xx, never 500', async () => {
    const [shopper] = (await suite.shoppers(1, 'fuzz')) as [Shopper];
    const bodies: unknown[] = [{}, { product_id: -1 }, { product_id: 'x', sec_time: 'y', nonce: 1, sign: {} }, [], 'str', null];
    for (const body of bodies) {
      const res = await suite.call('POST', '/sec/kill', body, shopper.accessToken);
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    const huge = await fetch(`${suite.gateway.url}/sec/kill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${shopper.accessToken}` },
      body: JSON.stringify({ nonce: 'x'.repeat(20_000) }),
    });
    expect(huge.status).toBe(413);
    const unknown = await suite.call('GET', '/definitely/not/here');
    expect([unknown.status, unknown.body.code]).toEqual([404, 1003]);
  });

  // Last: it replaces the suite's gateway. A sell-out is announced once; a gateway started after it
  // used to forward every attempt on the sold-out product to sk-app.
  it('answers sold-out attempts at a gateway started after the sell-out, without a hop to sk-app', async () => {
    const [first, late] = (await suite.shoppers(2, 'late')) as [Shopper, Shopper];
    const { productId } = await suite.sale({ total: 1, buy_limit: 1 });
    await suite.until(productId, 'on_sale');
    expect((await suite.kill(first, productId)).body.code).toBe(1002);
    await suite.until(productId, 'sold_out');

    const gateway = suite.gateway;
    await gateway.stop();
    suite.services.splice(suite.services.indexOf(gateway), 1);
    await suite.add('gateway');
    const skApp = suite.instances('sk-app')[0]!;
    await expect
      .poll(
        async () => {
          const before = await answersCounted(skApp.url, 'route="/sec/kill"');
          const answer = await suite.kill(late, productId);
          return [answer.body.code, (await answersCounted(skApp.url, 'route="/sec/kill"')) - before];
        },
        { timeout: 10_000, interval: 200 },
      )
      .toEqual([1004, 0]);
  });
});
