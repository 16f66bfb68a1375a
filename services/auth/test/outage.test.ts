import { afterAll, beforeAll, expect, it } from 'vitest';
import { TcpRelay, isolate } from '@sk/test-support';
import { passwordGrant, startAuth, type AuthInstance } from './support.js';

// MySQL is reached through a relay the test cuts and restores: the shared server stays up.
const iso = isolate('auth_outage');
const relay = TcpRelay.toMysql(iso.mysqlUrl);
let auth: AuthInstance;

beforeAll(async () => {
  await relay.open();
  auth = await startAuth(iso, { MYSQL_URL: relay.through(iso.mysqlUrl) });
});

afterAll(async () => {
  await auth?.close();
  await relay.cut();
  await iso.cleanup();
});

const health = async () => (await auth.app.inject({ method: 'GET', url: '/health' })).statusCode;

it('answers 503/1001 while MySQL is down, never 500, and recovers when it is back', async () => {
  expect((await passwordGrant(auth.app, 'admin', 'admin123')).statusCode).toBe(200);
  expect(await health()).toBe(200);

  await relay.cut();
  for (const attempt of [1, 2]) {
    const res = await passwordGrant(auth.app, 'admin', 'admin123');
    expect(res.statusCode, `attempt ${attempt}`).toBe(503);
    expect(res.json().code).toBe(1001);
  }
  const refresh = await auth.app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: { grant_type: 'refresh_token', refresh_token: 'whatever' },
  });
  expect(refresh.statusCode).toBe(503);
  await expect.poll(health, { timeout: 5_000, interval: 200 }).toBe(503);
  // the public keys are in memory: still served
  expect((await auth.app.inject({ method: 'GET', url: '/oauth/jwks' })).statusCode).toBe(200);

  await relay.open();
  await expect.poll(health, { timeout: 5_000, interval: 200 }).toBe(200);
  await expect.poll(async () => (await passwordGrant(auth.app, 'admin', 'admin123')).statusCode, { timeout: 5_000 }).toBe(200);
});
