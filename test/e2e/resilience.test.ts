import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Suite, isolate, type Answer, type RunningService, type Shopper } from '@sk/test-support';

// sk-app gives up waiting on sk-core after 1 s, so a dead sk-core is answered quickly.
const RELAY_TIMEOUT_MS = 1_000;

const iso = isolate('e2e_resilience');
let suite: Suite;
let shoppers: Shopper[];
let productId: number;

beforeAll(async () => {
  suite = await Suite.start(iso, { skApp: 2, env: { RELAY_TIMEOUT_MS: String(RELAY_TIMEOUT_MS) } });
  shoppers = await suite.shoppers(31, 'res');
  // Stock and limit no test runs out of: every attempt is a sale unless something failed.
  ({ productId } = await suite.sale({ total: 1_000_000, buy_limit: 100_000 }));
  await suite.until(productId, 'on_sale');
});

afterAll(async () => {
  await suite?.stop();
  await iso.cleanup();
});

async function metrics(service: RunningService): Promise<string> {
  return (await fetch(`${service.url}/metrics`)).text();
}

/** The /sec/kill answers an sk-app instance has given so far. */
/** Kills an sk-app answered, alone or in the gateway's batches. */
async function killsServed(skApp: RunningService): Promise<number> {
  const lines = (await metrics(skApp))
    .split('\n')
    .filter((l) => (l.startsWith('http_requests_total{') && l.includes('route="/sec/kill"')) || l.startsWith('sk_batched_kills_total{'));
  return lines.reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

/** The gateway's breaker state for an sk-app instance: 0 closed, 1 half-open, 2 open; undefined once it left discovery. */
async function breakerState(skApp: RunningService): Promise<number | undefined> {
  const line = (await metrics(suite.gateway))
    .split('\n')
    .find((l) => l.startsWith('gateway_breaker_state{') && l.includes(`instance="sk-app-127.0.0.1-${skApp.port}"`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Each shopper buys about 8 times a second (under the per-user limit) until stopped; every answer is kept. */
function steadyLoad(buyers: Shopper[]): { stop(): Promise<Array<Answer | null>> } {
  const answers: Array<Answer | null> = [];
  let running = true;
  const workers = buyers.map(async (shopper) => {
    while (running) {
      answers.push(await suite.kill(shopper, productId).catch(() => null));
      await sleep(120);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      return answers;
    },
  };
}

describe('the suite under failures', () => {
  it('refuses a flooding user with 429/1104 and Retry-After while the others keep buying', async () => {
    const [flooder, ...others] = shoppers;
    const flood = Array.from({ length: 300 }, () =>
      fetch(`${suite.gateway.url}/sec/kill`, {
        method: 'POST',
        headers: { authorization: `Bearer ${flooder!.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(suite.killBody(flooder!, productId)),
      }),
    );
    const buying = Promise.all(others.slice(0, 10).map(async (s) => [await suite.kill(s, productId), await suite.kill(s, productId)]));

    const refused = (await Promise.all(flood)).filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const res of refused) {
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await res.json()).toMatchObject({ code: 1104 });
    }
    for (const answer of (await buying).flat()) expect(answer).toMatchObject({ status: 200, body: { code: 1002 } });
  });

  it('keeps answering when an sk-app is killed under load, moves all traffic to the survivor, and takes the instance back', async () => {
    const [victim, survivor] = suite.instances('sk-app');
    const load = steadyLoad(shoppers.slice(1));
    let answers: Array<Answer | null>;
    try {
      await sleep(1_000);
      await victim!.stop('SIGKILL');
      // Its breaker opens, or discovery drops it: either way no request is sent to it any more.
      await waitFor('dead sk-app out of rotation', async () => (await breakerState(victim!)) !== 0, 15_000);
      const before = await killsServed(survivor!);
      await sleep(1_000);
      expect(await killsServed(survivor!)).toBeGreaterThan(before);

      const back = await suite.add('sk-app');
      await waitFor('restarted sk-app serving', async () => (await killsServed(back)) > 0, 10_000);
    } finally {
      answers = await load.stop();
    }
    expect(answers.length).toBeGreaterThan(100);
    expect(answers.filter((a) => a === null)).toEqual([]);
    const failed = answers.filter((a) => a!.status >= 500);
    expect(failed.length / answers.length).toBeLessThanOrEqual(0.02);
  });

  it('answers /sec/kill 1108, 1001 or 1111 within the relay timeout when every sk-core is dead', async () => {
    await Promise.all(suite.instances('sk-core').map((core) => core.stop('SIGKILL')));
    const answers = await Promise.all(
      shoppers.slice(1, 11).map(async (s) => {
        const started = Date.now();
        const answer = await suite.kill(s, productId);
        return { code: answer.body.code, ms: Date.now() - started };
      }),
    );
    for (const { code, ms } of answers) {
      expect([1108, 1001, 1111]).toContain(code);
      // Bounded by sk-app's relay wait, with room for a loaded machine; never the client's own timeout.
      expect(ms).toBeLessThan(RELAY_TIMEOUT_MS + 4_000);
    }
  });
});
