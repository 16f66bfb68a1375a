import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Suite, isolate, spanCollector, type Shopper, type Span, type SpanCollector } from '@sk/test-support';

const iso = isolate('e2e_tracing');
let receiver: SpanCollector;
let suite: Suite;

beforeAll(async () => {
  receiver = await spanCollector();
  // Tokens checked over gRPC here, so the trace also crosses the RPC client and auth.
  suite = await Suite.start(iso, { env: { ZIPKIN_URL: receiver.url, AUTH_MODE: 'rpc' } });
});

afterAll(async () => {
  await suite?.stop();
  receiver?.close();
  await iso.cleanup();
});

/** Waits for the one trace of a /sec/kill until it holds a span of each of `services`. */
async function killTrace(services: string[], timeoutMs = 10_000): Promise<Span[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const root = receiver.spans.find(
      (s) => s.localEndpoint.serviceName === 'gateway' && s.kind === 'SERVER' && s.tags?.['http.path'] === '/sec/kill',
    );
    const trace = root ? receiver.spans.filter((s) => s.traceId === root.traceId) : [];
    if (services.every((name) => trace.some((s) => s.localEndpoint.serviceName === name))) return trace;
    if (Date.now() > deadline) throw new Error(`no complete /sec/kill trace within ${timeoutMs} ms: ${JSON.stringify(trace)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// A server span ends once its answer has left, which the caller may already have read and closed
// its own span on: across processes the child may outlast its parent by that much.
const CROSS_PROCESS_SLACK_US = 5_000;

function expectWithin(child: Span, parent: Span) {
  expect(child.parentId, `${child.localEndpoint.serviceName} ${child.kind} under ${parent.localEndpoint.serviceName} ${parent.kind}`).toBe(
    parent.id,
  );
  expect(child.timestamp).toBeGreaterThanOrEqual(parent.timestamp);
  const slack = child.localEndpoint.serviceName === parent.localEndpoint.serviceName ? 0 : CROSS_PROCESS_SLACK_US;
  expect(child.timestamp + child.duration, `${child.localEndpoint.serviceName} ${child.kind} ends within its parent`).toBeLessThanOrEqual(
    parent.timestamp + parent.duration + slack,
  );
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

    // The Redis calls on the way: sk-app's push onto the relay, sk-core's Lua step.
    const push = one('sk-app', 'CLIENT', 'redis');
    expect(push.name).toBe('lpush relay');
    expectWithin(push, appServer);
    const lua = one('sk-core', 'CLIENT', 'redis');
    expect(lua.name).toBe('evalsha qualify');
    expectWithin(lua, core);
  });

  it('records the MySQL, Redis and ZooKeeper calls of admin requests and logins as children of their server spans', async () => {
    const created = await suite.admin('POST', '/admin/products', { name: 'traced product' });
    expect(created.status).toBe(201);
    await suite.login('admin', 'admin123');
    const { activityId } = await suite.sale({ total: 3, buy_limit: 1 });
    expect((await suite.admin('GET', `/admin/activities/${activityId}`)).status).toBe(200);

    /** The `remote` client spans under `service`'s server spans of `method path`, once one of them is `wanted`. */
    const childrenOf = async (
      service: string,
      path: string,
      method: string,
      remote = 'mysql',
      wanted: (s: Span) => boolean = () => true,
    ) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const servers = receiver.spans.filter(
          (s) =>
            s.localEndpoint.serviceName === service &&
            s.kind === 'SERVER' &&
            s.tags?.['http.path'] === path &&
            s.name?.startsWith(`${method.toLowerCase()} `),
        );
        const queries = receiver.spans.filter(
          (s) => s.kind === 'CLIENT' && s.remoteEndpoint?.serviceName === remote && servers.some((p) => p.id === s.parentId),
        );
        if (queries.some(wanted)) return queries.map((query) => ({ query, server: servers.find((p) => p.id === query.parentId)! }));
        if (Date.now() > deadline) throw new Error(`no ${remote} span under ${service} ${method} ${path}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    const admin = await childrenOf('sk-admin', '/admin/products', 'POST');
    const insert = admin.find(({ query }) => query.name === 'insert');
    expect(insert?.query.tags?.['sql.query']).toMatch(/^INSERT INTO products/);
    for (const { query, server } of admin) expectWithin(query, server);

    // The activity's mirror write, awaited before the answer; the live sold count it answers with.
    const mirror = await childrenOf(
      'sk-admin',
      '/admin/activities',
      'POST',
      'zookeeper',
      (s) => s.tags?.['zk.path']?.endsWith(`/activities/${activityId}`) ?? false,
    );
    for (const { query, server } of mirror) expectWithin(query, server);
    const sold = await childrenOf('sk-admin', `/admin/activities/${activityId}`, 'GET', 'redis');
    expect(sold.map(({ query }) => query.name)).toContain('get');
    for (const { query, server } of sold) expectWithin(query, server);

    const login = await childrenOf('auth', '/oauth/token', 'POST');
    expect(login.map(({ query }) => query.name)).toContain('select');
    for (const { query, server } of login) {
      expectWithin(query, server);
      // Statements only: the values bound to them (a password hash, a token hash) are not recorded.
      expect(query.tags?.['sql.query']).not.toMatch(/\$scrypt|[0-9a-f]{64}/);
    }
  });

  it('leaves health checks out of the traces', async () => {
    await fetch(`${suite.gateway.url}/health`);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(receiver.spans.filter((s) => s.tags?.['http.path'] === '/health')).toEqual([]);
  });
});
