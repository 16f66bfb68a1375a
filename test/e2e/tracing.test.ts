import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolate } from '../support/infra.js';
import { Suite, type Shopper } from '../support/suite.js';

/** A Zipkin v2 span as the services post it. */
interface Span {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  kind?: string;
  timestamp: number;
  duration: number;
  localEndpoint: { serviceName: string };
  remoteEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

/** Stands in for Zipkin's collector: keeps whatever is posted to /api/v2/spans. */
function spanReceiver(): Promise<{ server: Server; url: string; spans: Span[] }> {
  const spans: Span[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/api/v2/spans') spans.push(...(JSON.parse(Buffer.concat(chunks).toString()) as Span[]));
      res.writeHead(202).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans })),
  );
}

const iso = isolate('e2e_tracing');
let receiver: Awaited<ReturnType<typeof spanReceiver>>;
let suite: Suite;

beforeAll(async () => {
  receiver = await spanReceiver();
  // Tokens checked over gRPC here, so the trace also crosses the RPC client and auth.
  suite = await Suite.start(iso, { env: { ZIPKIN_URL: receiver.url, AUTH_MODE: 'rpc' } });
});

afterAll(async () => {
  await suite?.stop();
  receiver?.server.close();
  await iso.cleanup();
});

/** Waits for the one trace of a /sec/kill until it holds a span of each of `services`. */
async function killTrace(services: string[], timeoutMs = 10_000): Promise<Span[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const root = receiver.spans.find((s) => s.localEndpoint.serviceName === 'gateway' && s.kind === 'SERVER' && s.tags?.['http.path'] === '/sec/kill');
    const trace = root ? receiver.spans.filter((s) => s.traceId === root.traceId) : [];
    if (services.every((name) => trace.some((s) => s.localEndpoint.serviceName === name))) return trace;
    if (Date.now() > deadline) throw new Error(`no complete /sec/kill trace within ${timeoutMs} ms: ${JSON.stringify(trace)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function expectWithin(child: Span, parent: Span) {
  expect(child.parentId, `${child.localEndpoint.serviceName} ${child.kind} under ${parent.localEndpoint.serviceName} ${parent.kind}`).toBe(parent.id);
  expect(child.timestamp).toBeGreaterThanOrEqual(parent.timestamp);
  expect(child.timestamp + child.duration).toBeLessThanOrEqual(parent.timestamp + parent.duration);
}

describe('tracing across the gateway, sk-app and the Redis relay to sk-core', () => {
  it('makes one /sec/kill one trace: gateway server → gateway client → sk-app server → sk-core, and auth over gRPC', async () => {
    const [shopper] = (await suite.shoppers(1, 'traced')) as [Shopper];
    const { productId } = await suite.sale({ total: 5, buy_limit: 1 });
    await suite.until(productId, 'on_sale');
    expect((await suite.kill(shopper, productId)).body.code).toBe(1002);

    const trace = await killTrace(['gateway', 'auth', 'sk-app', 'sk-core']);
    const one = (service: string, kind: string, remote?: string) => {
      const found = trace.filter(
        (s) => s.localEndpoint.serviceName === service && s.kind === kind && (!remote || s.remoteEndpoint?.serviceName === remote),
      );
      expect(found, `${service} ${kind} spans`).toHaveLength(1);
      return found[0]!;
    };
    const gatewayServer = one('gateway', 'SERVER');
    const gatewayClient = one('gateway', 'CLIENT', 'sk-app');
    const appServer = one('sk-app', 'SERVER');
    const core = one('sk-core', 'CONSUMER');
    // The shopper's first request: its token is checked by auth's CheckToken, a child of the gRPC client span.
    const authClient = one('gateway', 'CLIENT', 'auth');
    const check = one('auth', 'CONSUMER');
    expect(check.name).toBe('checktoken');
    expect(check.tags?.valid).toBe('true');
    expectWithin(authClient, gatewayServer);
    expectWithin(check, authClient);

    expect(gatewayServer.parentId).toBeUndefined();
    expect(appServer.tags?.['http.path']).toBe('/sec/kill');
    expect(gatewayClient.remoteEndpoint?.serviceName).toBe('sk-app');
    expect(core.name).toBe('qualify');
    expect(core.tags?.code).toBe('1002');
    expectWithin(gatewayClient, gatewayServer);
    expectWithin(appServer, gatewayClient);
    expectWithin(core, appServer);
    for (const span of [gatewayServer, gatewayClient, appServer, core]) expect(span.duration).toBeGreaterThan(0);
  });

  it('leaves health checks out of the traces', async () => {
    await fetch(`${suite.gateway.url}/health`);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(receiver.spans.filter((s) => s.tags?.['http.path'] === '/health')).toEqual([]);
  });
});
