import { connect } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticDiscovery } from '@sk/discovery';
import type { SkFastify } from '@sk/http';
import { TokenVerifier } from '@sk/identity';
import { buildApp } from '../src/app.js';
import { limitsFileSchema } from '../src/limits.js';
import { TokenMint } from './fakes.js';

// Stand-ins for auth and sk-app: each answers 200 and records the path it was asked for.
let upstream: FastifyInstance;
const reached: string[] = [];
let app: SkFastify;

beforeAll(async () => {
  upstream = Fastify();
  upstream.all('/*', async (req) => {
    reached.push(req.url);
    return { code: 0, message: 'ok' };
  });
  await upstream.listen({ port: 0, host: '127.0.0.1' });
  const { port } = upstream.server.address() as { port: number };
  const mint = await TokenMint.create();
  app = buildApp({
    discovery: new StaticDiscovery(`auth=127.0.0.1:${port};sk-app=127.0.0.1:${port};sk-admin=127.0.0.1:${port}`),
    verifier: new TokenVerifier(async () => mint.jwks),
    upstreamTimeoutMs: 1_000,
    // The login rule as deployed, tighter: one attempt per address, then 429.
    limits: limitsFileSchema.parse({ rules: [{ name: 'login', by: 'ip', path: '/oauth/token', rate: 0.001, burst: 0, nodelay: true }] }),
    logLevel: 'silent',
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await upstream?.close();
});

/** One request written as raw bytes (inject and HTTP clients would normalise the request line). */
function rawRequest(requestLine: string): Promise<{ status: number; body: string }> {
  const { port } = app.server.address() as { port: number };
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `${requestLine}\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
      );
    });
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('end', () => resolve({ status: Number(text.split(' ')[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) }));
    socket.on('error', reject);
  });
}

describe('canonical paths at the gateway', () => {
  it('judges /oauth/%74oken and an absolute-form request line as refused, never as a login the rule did not count', async () => {
    expect((await rawRequest('POST /oauth/token HTTP/1.1')).status).toBe(200);
    expect((await rawRequest('POST /oauth/token HTTP/1.1')).status).toBe(429);
    for (const line of [
      'POST /oauth/%74oken HTTP/1.1',
      'POST /oauth/%2574oken HTTP/1.1',
      'POST http://127.0.0.1/oauth/token HTTP/1.1',
      'POST /oauth/x/../token HTTP/1.1',
      'POST /oauth/%2e%2e/oauth/token HTTP/1.1',
      'POST /oauth%2Ftoken HTTP/1.1',
      'POST //oauth/token HTTP/1.1',
      'POST /oauth/%E0%A4%A HTTP/1.1',
      'POST /oauth/%0a HTTP/1.1',
    ]) {
      const answer = await rawRequest(line);
      expect({ line, status: answer.status, code: JSON.parse(answer.body).code }).toEqual({ line, status: 400, code: 1101 });
    }
    expect(reached).toEqual(['/oauth/token']);
  });

  it('lets canonical paths through as they are, query strings untouched', async () => {
    reached.length = 0;
    for (const url of ['/oauth/jwks?x=%74%2F..', '/oauth/info?id=1', '/oauth/caf%C3%A9', '/oauth/a%20b']) {
      expect((await app.inject({ method: 'GET', url })).statusCode).toBe(200);
    }
    expect(reached).toEqual(['/oauth/jwks?x=%74%2F..', '/oauth/info?id=1', '/oauth/caf%C3%A9', '/oauth/a%20b']);
  });
});
