import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Suite, isolate, type Shopper } from '@sk/test-support';

const iso = isolate('e2e_metrics');
let suite: Suite;

beforeAll(async () => {
  suite = await Suite.start(iso);
});

afterAll(async () => {
  await suite?.stop();
  await iso.cleanup();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

// prom-client writes NaN as "Nan" (an event-loop lag mean with no sample since the last scrape);
// Prometheus reads it, as its parser takes NaN in any case.
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|[Nn]a[Nn]|[+-]Inf)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:\\.|[^"\\])*)"/g;

/** Parses Prometheus text format strictly enough to fail on anything malformed. */
function parseMetrics(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const match = SAMPLE.exec(line);
    expect(match, `a sample line: ${line}`).not.toBeNull();
    const [, name, labelText = '', value] = match!;
    const family = name!.replace(/_(bucket|sum|count)$/, '');
    expect(types.has(name!) || types.has(family), `# TYPE before ${name}`).toBe(true);
    const labels = Object.fromEntries([...labelText.matchAll(LABEL)].map((m) => [m[1]!, m[2]!]));
    samples.push({ name: name!, labels, value: Number(value) });
  }
  return samples;
}

async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return parseMetrics(await res.text());
}

/** The value of the one sample named `name` carrying `labels` (0 when there is none yet). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(found.length, `${name} ${JSON.stringify(labels)}`).toBeLessThanOrEqual(1);
  return found[0]?.value ?? 0;
}

describe('/metrics of every service', () => {
  it('parses as Prometheus text, with process metrics and the service label', async () => {
    for (const service of suite.services) {
      const samples = await scrape(service.url);
      expect(
        samples.some((s) => s.name === 'nodejs_eventloop_lag_p99_seconds'),
        service.name,
      ).toBe(true);
      const own = samples.filter((s) => s.name.startsWith('nodejs_') || s.name.startsWith('http_'));
      expect(
        own.every((s) => s.labels.service === service.name),
        service.name,
      ).toBe(true);
    }
  });

  it('moves request counters, batch counts, sold and remaining with a purchase', async () => {
    const [shopper] = (await suite.shoppers(1, 'metered')) as [Shopper];
    const { productId, activityId } = await suite.sale({ total: 5, buy_limit: 1 });
    await suite.until(productId, 'on_sale');
    const [gateway, app, core] = ['gateway', 'sk-app', 'sk-core'].map((name) => suite.instances(name)[0]!);
    const before = await Promise.all([gateway, app, core].map((s) => scrape(s!.url)));

    expect((await suite.kill(shopper, productId)).body.code).toBe(1002);

    const [gw, sk, co] = await Promise.all([gateway, app, core].map((s) => scrape(s!.url)));
    const kills = { method: 'POST', status: '200', code: '1002' };
    expect(
      value(gw!, 'http_requests_total', { ...kills, route: '/sec/*' }) -
        value(before[0]!, 'http_requests_total', { ...kills, route: '/sec/*' }),
    ).toBe(1);
    // JSON kills reach sk-app in the gateway's batches.
    expect(
      value(sk!, 'sk_batched_kills_total', { status: '200', code: '1002' }) -
        value(before[1]!, 'sk_batched_kills_total', { status: '200', code: '1002' }),
    ).toBe(1);
    expect(value(sk!, 'sk_kill_batch_size_count') - value(before[1]!, 'sk_kill_batch_size_count')).toBe(1);
    expect(
      value(sk!, 'sk_relay_wait_seconds_count', { code: '1002' }) - value(before[1]!, 'sk_relay_wait_seconds_count', { code: '1002' }),
    ).toBe(1);
    expect(value(co!, 'sk_core_batch_size_sum') - value(before[2]!, 'sk_core_batch_size_sum')).toBe(1);
    expect(value(co!, 'sk_core_lua_seconds_count') - value(before[2]!, 'sk_core_lua_seconds_count')).toBe(1);
    // Nothing left queued once the purchase was answered.
    expect(co!.some((s) => s.name === 'sk_relay_queue_length' && s.value === 0)).toBe(true);
    const activity = { activity_id: String(activityId) };
    expect([value(co!, 'sk_activity_sold', activity), value(co!, 'sk_activity_remaining', activity)]).toEqual([1, 4]);
  });

  it('reports Redis and ZooKeeper links as up', async () => {
    for (const name of ['gateway', 'sk-app', 'sk-core', 'sk-admin']) {
      const samples = await scrape(suite.instances(name)[0]!.url);
      expect(value(samples, 'sk_connection_up', { dependency: 'redis' }), name).toBe(1);
      expect(value(samples, 'sk_connection_up', { dependency: 'zookeeper' }), name).toBe(1);
    }
  });
});
