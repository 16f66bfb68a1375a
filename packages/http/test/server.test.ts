import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { z } from 'zod';
import { createTracing } from '@sk/tracing';
import { spanCollector } from '@sk/test-support';
import { Codes, SkError, createService, type SkFastify } from '../src/index.js';
import { installAnswerCode } from '../src/answer-code.js';
import { installMetrics } from '../src/metrics.js';

let app: SkFastify;
let ready = true;

beforeAll(async () => {
  app = createService('test', { logLevel: 'silent', ready: () => ready });
  app.post('/things', { schema: { body: z.object({ name: z.string().min(1), count: z.number().int().positive() }) } }, async (req) => ({
    code: 0,
    message: 'ok',
    result: req.body,
  }));
  app.get('/boom', async () => {
    throw new Error('a bug');
  });
  app.get('/refuse', async () => {
    throw new SkError(Codes.RATE_LIMITED, 'slow down', undefined, { 'retry-after': '1' });
  });
  await app.ready();
});

afterAll(() => app.close());

describe('the contract envelope', () => {
  it('lists every bad field with 400/1101', async () => {
    const res = await app.inject({ method: 'POST', url: '/things', payload: { name: '', count: -2 } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 1101, errors: [{ field: 'name' }, { field: 'count' }] });
  });

  it('answers malformed JSON, oversized bodies and unknown routes with 4xx', async () => {
    const bad = await app.inject({ method: 'POST', url: '/things', payload: '{"name":', headers: { 'content-type': 'application/json' } });
    expect([bad.statusCode, bad.json().code]).toEqual([400, 1101]);
    const big = await app.inject({ method: 'POST', url: '/things', payload: { name: 'x'.repeat(17_000), count: 1 } });
    expect([big.statusCode, big.json().code]).toEqual([413, 1101]);
    const unknown = await app.inject({ url: '/nowhere' });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 1003]);
    const media = await app.inject({ method: 'POST', url: '/things', payload: 'a', headers: { 'content-type': 'text/weird' } });
    expect(media.statusCode).toBe(415);
  });

  it('never answers 500', async () => {
    const res = await app.inject({ url: '/boom' });
    expect([res.statusCode, res.json().code]).toEqual([503, 1001]);
  });

  it('carries a refusal code and its headers', async () => {
    const res = await app.inject({ url: '/refuse' });
    expect([res.statusCode, res.json().code, res.headers['retry-after']]).toEqual([429, 1104, '1']);
  });

  it('reports readiness on /health', async () => {
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    ready = false;
    expect((await app.inject({ url: '/health' })).statusCode).toBe(503);
    ready = true;
  });

  it('counts answers in /metrics', async () => {
    await app.inject({ method: 'POST', url: '/things', payload: { name: 'a', count: 1 } });
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(text).toMatch(/http_requests_total\{route="\/things",method="POST",status="200",code="0",service="test"\} [1-9]/);
    await app.inject({ method: 'POST', url: '/things', payload: { name: '' } });
    expect((await app.inject({ url: '/metrics' })).body).toMatch(
      /http_requests_total\{route="\/things",method="POST",status="400",code="1101",service="test"\} [1-9]/,
    );
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});

describe('tracing', () => {
  it('sends the spans still held when the service closes', async () => {
    const collector = await spanCollector();
    const tracing = createTracing({ serviceName: 'closing', zipkinUrl: collector.url, sampleRate: 1 });
    const traced = createService('closing', { logLevel: 'silent', tracing });
    traced.get('/last', async () => ({ code: 0, message: 'ok' }));
    expect((await traced.inject({ method: 'GET', url: '/last' })).statusCode).toBe(200);
    // The transport posts once a second; closing must not leave that to chance.
    await traced.close();
    expect(collector.spans.map((s) => [s.localEndpoint.serviceName, s.kind, s.tags?.['http.path']])).toEqual([
      ['closing', 'SERVER', '/last'],
    ]);
    collector.close();
  });
});

describe('the answer log', () => {
  it('has a line for each answer but those of a crowd, which the metrics still count', async () => {
    const logged: Array<[string | undefined, number | undefined]> = [];
    const bare = Fastify();
    installAnswerCode(bare, (req) => logged.push([req.route, req.answerCode]));
    installMetrics(bare, 'answers');
    bare.get('/one', async () => ({ code: 0, message: 'ok' }));
    bare.get('/crowd', async (req) => {
      req.logAnswer = false;
      return { code: 1004, message: 'sold out' };
    });
    await bare.inject({ url: '/one' });
    await bare.inject({ url: '/crowd' });
    await bare.inject({ url: '/crowd' });
    expect(logged).toEqual([['/one', 0]]);
    expect((await bare.inject({ url: '/metrics' })).body).toMatch(
      /http_requests_total\{route="\/crowd",method="GET",status="200",code="1004",service="answers"\} 2/,
    );
    await bare.close();
  });
});
