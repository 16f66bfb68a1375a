import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SkFastify } from '@sk/http';
import { KILL_BATCH_PATH } from '@sk/seckill';
import { buildApp } from '../../services/sk-core/src/app.js';
import { brokenAuthorizations, requests, shaped, type Route } from './arbitraries.js';
import { FUZZ_TEST_TIMEOUT_MS, fuzz, inject, injectedPath, type Invariants } from './harness.js';

// sk-core serves only /health and /metrics over HTTP (its work comes over Redis): every other
// request, however aimed, is a 404 in the envelope.
let app: SkFastify;
let inv: Invariants;

beforeAll(async () => {
  app = buildApp({ ready: () => true, logLevel: 'silent' });
  await app.ready();
  inv = {
    send: (req) => inject(app, req),
    notEnvelope: (req, answer) => injectedPath(req) === '/metrics' && answer.status === 200,
  };
});

afterAll(async () => {
  await app?.close();
});

const routes: Route[] = [
  { method: 'GET', path: '/health' },
  { method: 'GET', path: '/metrics' },
  { method: 'POST', path: '/sec/kill', body: shaped({}) },
  { method: 'POST', path: KILL_BATCH_PATH, body: shaped({}) },
];

describe('sk-core under fuzzed requests', () => {
  it('answers every request in the envelope and never 5xx', { timeout: FUZZ_TEST_TIMEOUT_MS }, async () => {
    await fuzz(requests({ routes, authorization: brokenAuthorizations }), inv, 0xc0e);
  });

  it('still answers /health after it', async () => {
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});
