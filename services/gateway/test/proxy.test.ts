import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ZookeeperDiscovery } from '@sk/discovery';
import type { SkFastify } from '@sk/http';
import { TokenVerifier } from '@sk/identity';
import { ZkSession } from '@sk/zookeeper';
import { isolate, type Isolation } from '@sk/test-support';
import { buildApp } from '../src/app.js';
import { TokenMint, startFakeUpstream, type FakeUpstream, type Seen } from './fakes.js';

let iso: Isolation;
let upstreamZk: ZkSession;
let gatewayZk: ZkSession;
let auth: FakeUpstream;
let skApp: FakeUpstream;
let skAdmin: FakeUpstream;
let mint: TokenMint;
let app: SkFastify;

beforeAll(async () => {
  iso = isolate('gateway_proxy');
  upstreamZk = new ZkSession({ hosts: iso.zkHosts });
  gatewayZk = new ZkSession({ hosts: iso.zkHosts });
  await Promise.all([upstreamZk.waitConnected(), gatewayZk.waitConnected()]);
  [auth, skApp, skAdmin] = await Promise.all([
    startFakeUpstream('auth', upstreamZk, iso.zkRoot),
    startFakeUpstream('sk-app', upstreamZk, iso.zkRoot),
    startFakeUpstream('sk-admin', upstreamZk, iso.zkRoot),
  ]);
  mint = await TokenMint.create();
  const verifier = new TokenVerifier(async () => mint.jwks);
  app = buildApp({ discovery: new ZookeeperDiscovery(gatewayZk, iso.zkRoot), verifier, upstreamTimeoutMs: 500, logLevel: 'silent' });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await Promise.all([auth, skApp, skAdmin].map((f) => f?.close()));
  upstreamZk?.close();
  gatewayZk?.close();
  await iso?.cleanup();
});

beforeEach(() => {
  for (const fake of [auth, skApp, skAdmin]) fake.seen.length = 0;
});

function only(fake: FakeUpstream): Seen {
  expect(fake.seen).toHaveLength(1);
  return fake.seen[0]!;
}

describe('routing', () => {
  it('sends /oauth, /sec and /admin to their services', async () => {
    const admin = await mint.sign(1, ['admin']);
    const oauth = await app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'password' } });
    const sec = await app.inject({ method: 'GET', url: '/sec/list' });
    const adm = await app.inject({ method: 'DELETE', url: '/admin/blacklist/users/7', headers: { authorization: `Bearer ${admin}` } });

    expect([oauth.statusCode, sec.statusCode, adm.statusCode]).toEqual([200, 200, 200]);
    expect(oauth.json()).toMatchObject({ service: 'auth', method: 'POST', url: '/oauth/token' });
    expect(sec.json()).toMatchObject({ service: 'sk-app', method: 'GET', url: '/sec/list' });
    expect(adm.json()).toMatchObject({ service: 'sk-admin', method: 'DELETE', url: '/admin/blacklist/users/7' });
    expect([auth.seen.length, skApp.seen.length, skAdmin.seen.length]).toEqual([1, 1, 1]);
  });

  it('forwards every method', async () => {
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const) {
      expect((await app.inject({ method, url: '/oauth/any' })).statusCode, method).toBe(200);
    }
    expect(auth.seen.map((s) => s.method)).toEqual(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
  });

  it('forwards the query string and body byte for byte', async () => {
    const body = randomBytes(4096);
    const url = '/sec/info?product_id=1&b=%20x&b=y&empty&%E2%9C%93=1';
    const res = await app.inject({ method: 'PUT', url, payload: body, headers: { 'content-type': 'application/octet-stream' } });
    expect(res.statusCode).toBe(200);
    const seen = only(skApp);
    expect(seen.url).toBe(url);
    expect(seen.method).toBe('PUT');
    expect(seen.body.equals(body)).toBe(true);
    expect(seen.headers['content-type']).toBe('application/octet-stream');
  });

  it('leaves malformed JSON and form bodies to the upstream, untouched', async () => {
    const json = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: '{"grant_type": "pass',
      headers: { 'content-type': 'application/json' },
    });
    const form = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: 'grant_type=password&username=a%20b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([json.statusCode, form.statusCode]).toEqual([200, 200]);
    expect(auth.seen.map((s) => s.body.toString())).toEqual(['{"grant_type": "pass', 'grant_type=password&username=a%20b']);
    expect(auth.seen[1]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('returns the upstream status, body, content type and Retry-After', async () => {
    const res = await app.inject({ method: 'GET', url: '/oauth/teapot', headers: { accept: 'text/plain' } });
    expect(res.statusCode).toBe(418);
    expect(res.body).toBe('short and stout');
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['retry-after']).toBe('7');
    expect(only(auth).headers.accept).toBe('text/plain');
  });

  it('answers 413 for a body over 16 KiB without forwarding it', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: Buffer.alloc(16 * 1024 + 1, 'a'),
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.statusCode).toBe(413);
    expect(auth.seen).toHaveLength(0);
  });

  it('answers 413 for a body declared over 16 KiB before it asks for a token, on routes that need one too', async () => {
    for (const url of ['/sec/kill', '/orders/1-1/pay', '/admin/products']) {
      const res = await app.inject({
        method: 'POST',
        url,
        payload: Buffer.alloc(16 * 1024 + 1, 'a'),
        headers: { 'content-type': 'application/json' },
      });
      expect([url, res.statusCode, res.json().code]).toEqual([url, 413, 1101]);
    }
  });

  it('answers unknown routes 404/1003 and its own /health', async () => {
    const nope = await app.inject({ method: 'GET', url: '/nope' });
    expect(nope.statusCode).toBe(404);
    expect(nope.json()).toMatchObject({ code: 1003 });
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ code: 0, service: 'gateway' });
    expect([auth.seen.length, skApp.seen.length, skAdmin.seen.length]).toEqual([0, 0, 0]);
  });

  it('drops hop-by-hop and client-claimed forwarding headers and sets the socket address', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/sec/list',
      remoteAddress: '203.0.113.9',
      headers: {
        connection: 'keep-alive, x-per-hop',
        'x-per-hop': '1',
        te: 'trailers',
        'x-forwarded-for': '6.6.6.6',
        'x-sk-client-ip': '6.6.6.6',
        'x-request-id': 'r-1',
      },
    });
    expect(res.statusCode).toBe(200);
    const { headers } = only(skApp);
    expect(headers['x-sk-client-ip']).toBe('203.0.113.9');
    expect(headers['x-per-hop']).toBeUndefined();
    expect(headers.te).toBeUndefined();
    expect(headers['x-forwarded-for']).toBeUndefined();
    expect(headers['x-request-id']).toBe('r-1');
  });
});

describe('identity', () => {
  const spoofed = { 'x-sk-user-id': '999', 'x-sk-roles': 'admin', 'x-user-id': '999' };

  it('never lets a client-sent identity header reach the upstream', async () => {
    const res = await app.inject({ method: 'GET', url: '/sec/list', headers: spoofed });
    expect(res.statusCode).toBe(200);
    const { headers } = only(skApp);
    expect(headers['x-sk-user-id']).toBeUndefined();
    expect(headers['x-sk-roles']).toBeUndefined();
    expect(headers['x-user-id']).toBeUndefined();
  });

  it("passes the verified token's user, not the client's claim", async () => {
    const token = await mint.sign(42, ['user']);
    const res = await app.inject({
      method: 'POST',
      url: '/sec/kill',
      payload: { product_id: 1 },
      headers: { ...spoofed, authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(200);
    const { headers } = only(skApp);
    expect(headers['x-sk-user-id']).toBe('42');
    expect(headers['x-sk-roles']).toBe('user');
    expect(headers['x-user-id']).toBeUndefined();
    expect(headers.authorization).toBe(`Bearer ${token}`);
  });

  it('passes the identity on open shopper routes too, and ignores a bad token there', async () => {
    const good = await app.inject({
      method: 'GET',
      url: '/sec/info?product_id=1',
      headers: { authorization: `Bearer ${await mint.sign(5, ['user'])}` },
    });
    const bad = await app.inject({ method: 'GET', url: '/sec/list', headers: { authorization: 'Bearer not.a.token' } });
    expect([good.statusCode, bad.statusCode]).toEqual([200, 200]);
    expect(skApp.seen.map((s) => s.headers['x-sk-user-id'])).toEqual(['5', undefined]);
  });

  it('refuses /sec/kill and /sec/result without a valid token (401/1103), forwarding nothing', async () => {
    const otherMint = await TokenMint.create();
    const tokens = [
      undefined,
      'not.a.token',
      await mint.sign(42, ['user'], { expiresAt: Math.floor(Date.now() / 1000) - 60 }),
      await otherMint.sign(42, ['user']),
    ];
    for (const url of ['/sec/kill', '/sec/result?product_id=1']) {
      for (const token of tokens) {
        const res = await app.inject({
          method: url === '/sec/kill' ? 'POST' : 'GET',
          url,
          headers: { ...spoofed, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        });
        expect(res.statusCode, `${url} with ${token}`).toBe(401);
        expect(res.json()).toMatchObject({ code: 1103 });
      }
    }
    expect(skApp.seen).toHaveLength(0);
  });

  it('asks a token for /sec paths not listed as open, whatever their spelling', async () => {
    for (const url of ['/sec/list/', '/sec/list;x', '/sec/anything']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(401);
    }
    // A needless percent-encoding is no spelling at all: refused before any rule (canonical-paths.test.ts).
    expect((await app.inject({ method: 'GET', url: '/sec/%6Cist' })).json()).toMatchObject({ code: 1101 });
    expect(skApp.seen).toHaveLength(0);
  });

  it('lets only admins through /admin: 401/1103 without a token, 403/1112 for a shopper', async () => {
    const none = await app.inject({ method: 'GET', url: '/admin/products' });
    const shopper = await app.inject({
      method: 'GET',
      url: '/admin/products',
      headers: { authorization: `Bearer ${await mint.sign(42, ['user'])}` },
    });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: 1103 });
    expect(shopper.statusCode).toBe(403);
    expect(shopper.json()).toMatchObject({ code: 1112 });
    expect(skAdmin.seen).toHaveLength(0);

    const admin = await app.inject({
      method: 'POST',
      url: '/admin/products',
      payload: { name: 'x' },
      headers: { ...spoofed, authorization: `Bearer ${await mint.sign(1, ['admin'])}` },
    });
    expect(admin.statusCode).toBe(200);
    const { headers, body } = only(skAdmin);
    expect(headers['x-sk-user-id']).toBe('1');
    expect(headers['x-sk-roles']).toBe('admin');
    expect(JSON.parse(body.toString())).toEqual({ name: 'x' });
  });

  it('answers 503/1111 on protected routes when the token keys cannot be had, open routes stay open', async () => {
    const keyless = buildApp({
      discovery: new ZookeeperDiscovery(gatewayZk, iso.zkRoot),
      verifier: new TokenVerifier(async () => Promise.reject(new Error('auth down'))),
      upstreamTimeoutMs: 500,
      logLevel: 'silent',
    });
    try {
      const headers = { authorization: `Bearer ${await mint.sign(42, ['user'])}` };
      const kill = await keyless.inject({ method: 'POST', url: '/sec/kill', headers });
      expect(kill.statusCode).toBe(503);
      expect(kill.json()).toMatchObject({ code: 1111 });
      const list = await keyless.inject({ method: 'GET', url: '/sec/list', headers });
      expect(list.statusCode).toBe(200);
      expect(only(skApp).headers['x-sk-user-id']).toBeUndefined();
    } finally {
      await keyless.close();
    }
  });

  it('forwards /oauth without asking for a token', async () => {
    const res = await app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'refresh_token' }, headers: spoofed });
    expect(res.statusCode).toBe(200);
    expect(only(auth).headers['x-sk-user-id']).toBeUndefined();
  });
});
