import { connect, type Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticDiscovery } from '@sk/discovery';
import { CONNECTION_LIMITS, type SkFastify } from '@sk/http';
import { TokenVerifier } from '@sk/identity';
import { buildApp } from '../src/app.js';
import { TokenMint } from './fakes.js';

// Stand-ins for sk-app and sk-admin: every request they get is a success, and counted.
let upstream: FastifyInstance;
let reached = 0;
let app: SkFastify;
let port = 0;
let mint: TokenMint;

beforeAll(async () => {
  upstream = Fastify();
  upstream.all('/*', async () => {
    reached++;
    return { code: 1002, message: 'ok' };
  });
  await upstream.listen({ port: 0, host: '127.0.0.1' });
  const upstreamPort = (upstream.server.address() as { port: number }).port;
  mint = await TokenMint.create();
  app = buildApp({
    discovery: new StaticDiscovery(`sk-app=127.0.0.1:${upstreamPort};sk-admin=127.0.0.1:${upstreamPort}`),
    verifier: new TokenVerifier(async () => mint.jwks),
    upstreamTimeoutMs: 1_000,
    logLevel: 'silent',
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
});

afterAll(async () => {
  await app?.close();
  await upstream?.close();
});

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

describe('slow and large clients at the gateway', () => {
  it('refuses a request without the right to its route before reading its body', async () => {
    const socket = await open();
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    // Announces 4 MB and sends none of it: the answer cannot wait for the body.
    socket.write('POST /admin/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4000000\r\n\r\n');
    await expect.poll(() => answer, { timeout: 3_000 }).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer).toContain('"code":1103');
    socket.destroy();
    expect(reached).toBe(0);
  });

  it('serves a shopper within 1 s while 2,000 connections trickle their headers, and closes those within the timeout', async () => {
    const tricklers = await Promise.all(Array.from({ length: 2_000 }, () => open()));
    for (const socket of tricklers) {
      socket.on('error', () => {});
      socket.write('POST /sec/kill HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    }
    const trickle = setInterval(() => {
      for (const socket of tricklers) if (!socket.destroyed) socket.write('a');
    }, 1_000);
    try {
      const token = await mint.sign(7, ['user']);
      const started = Date.now();
      const res = await fetch(`http://127.0.0.1:${port}/sec/kill`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(((await res.json()) as { code: number }).code).toBe(1002);
      expect(Date.now() - started).toBeLessThan(1_000);

      const allClosed = Promise.all(tricklers.map(closed));
      const bound = CONNECTION_LIMITS.headersTimeoutMs + 2 * CONNECTION_LIMITS.checkEveryMs + 2_000;
      await expect(
        Promise.race([allClosed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), bound))]),
      ).resolves.toBe('closed');
    } finally {
      clearInterval(trickle);
      for (const socket of tricklers) socket.destroy();
    }
  }, 30_000);
});
