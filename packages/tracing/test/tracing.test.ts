import { createServer } from 'node:net';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { spanCollector } from '@sk/test-support';
import { b3Of, createTracing, fromB3, type TraceContext } from '../src/index.js';

/** A port nothing listens on: the collector is down. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

describe('createTracing', () => {
  it('is off without a collector URL', () => {
    expect(createTracing({ serviceName: 'svc', sampleRate: 1 })).toBeUndefined();
  });

  it('answers every request while the collector is unreachable, and warns about it', async () => {
    const tracing = createTracing({ serviceName: 'svc', zipkinUrl: `http://127.0.0.1:${await closedPort()}`, sampleRate: 1 })!;
    const warnings: string[] = [];
    const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => void warnings.push(line) } } });
    tracing.serve(app);
    let seen: TraceContext | undefined;
    app.get('/things/:id', async (req) => {
      seen = req.trace;
      return { ok: true };
    });
    for (let i = 0; i < 20; i++) expect((await app.inject({ method: 'GET', url: `/things/${i}` })).statusCode).toBe(200);
    expect(seen?.sampled.getOrElse(false)).toBe(true);
    // The transport posts once a second; its failure is logged, never thrown.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(warnings.filter((w) => w.includes('zipkin export failed'))).toHaveLength(1);
    await app.close();
  });

  it('joins the caller trace named in B3 headers and keeps sampled-out requests out', async () => {
    const tracing = createTracing({ serviceName: 'svc', zipkinUrl: 'http://127.0.0.1:9', sampleRate: 0 })!;
    const app = Fastify();
    tracing.serve(app);
    const traces: (TraceContext | undefined)[] = [];
    app.get('/t', async (req) => {
      traces.push(req.trace);
      return {};
    });
    await app.inject({ method: 'GET', url: '/t' });
    await app.inject({
      method: 'GET',
      url: '/t',
      headers: { 'x-b3-traceid': 'aaaaaaaaaaaaaaaa', 'x-b3-spanid': 'bbbbbbbbbbbbbbbb', 'x-b3-sampled': '1' },
    });
    const [own, joined] = traces;
    expect(b3Of(own)).toBeUndefined(); // sample rate 0: nothing to carry on
    expect(joined?.traceId).toBe('aaaaaaaaaaaaaaaa');
    expect(joined?.parentSpanId.getOrElse('')).toBe('bbbbbbbbbbbbbbbb');
    expect(tracing.child(b3Of(joined)!, 'work')).toBeDefined();
    await app.close();
  });
});

describe('calls to dependencies', () => {
  it('records the calls a handler makes, however deep, and none made outside a request; flush sends them at once', async () => {
    const collector = await spanCollector();
    const tracing = createTracing({ serviceName: 'svc', zipkinUrl: collector.url, sampleRate: 1 })!;
    const calls: string[] = [];
    const store = {
      async query(sql: string) {
        calls.push(sql);
        if (sql.startsWith('BAD')) throw new Error('syntax');
        return [[{ one: 1 }]];
      },
      async getConnection() {
        return { query: store.query };
      },
    };
    const db = tracing.instrument(store, 'mysql', {
      methods: ['query'],
      wrapResults: ['getConnection'],
      describe: (_m, [sql]) => ({ name: String(sql).split(' ')[0]!.toLowerCase() }),
    });
    const app = Fastify();
    tracing.serve(app);
    app.post('/work', async () => {
      await new Promise((r) => setTimeout(r, 5));
      await db.query('SELECT 1');
      const conn = await db.getConnection();
      await conn.query('UPDATE t');
      await db.query('BAD sql').catch(() => {});
      return { ok: true };
    });
    expect((await app.inject({ method: 'POST', url: '/work', payload: { a: 1 } })).statusCode).toBe(200);
    await db.query('SELECT outside');
    expect(calls).toEqual(['SELECT 1', 'UPDATE t', 'BAD sql', 'SELECT outside']);

    await tracing.flush();
    const server = collector.spans.find((s) => s.kind === 'SERVER');
    const children = collector.spans.filter((s) => s.kind === 'CLIENT');
    expect(children.map((s) => s.name)).toEqual(['select', 'update', 'bad']);
    for (const child of children) {
      expect(child.parentId).toBe(server?.id);
      expect(child.remoteEndpoint?.serviceName).toBe('mysql');
    }
    expect(children[2]?.tags?.error).toBe('syntax');
    await app.close();
    collector.close();
  });
});

describe('B3 fields', () => {
  it('round-trip through a message', () => {
    const b3 = {
      'X-B3-TraceId': '0123456789abcdef',
      'X-B3-SpanId': 'fedcba9876543210',
      'X-B3-ParentSpanId': '1111111111111111',
      'X-B3-Sampled': '1',
    };
    expect(b3Of(fromB3(b3))).toEqual(b3);
    expect(fromB3({ 'X-B3-SpanId': 'fedcba9876543210' })).toBeUndefined();
  });
});
