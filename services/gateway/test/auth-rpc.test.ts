import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkSession } from '@sk/zookeeper';
import { isolate, startService, type Isolation, type RunningService } from '@sk/test-support';
import { TokenMint, startFakeUpstream, type FakeUpstream } from './fakes.js';

// AUTH_MODE=rpc: the gateway asks a real auth's gRPC CheckToken instead of verifying tokens itself.
let iso: Isolation;
let zk: ZkSession;
let auth: RunningService;
let skApp: FakeUpstream;
let gateway: RunningService;

beforeAll(async () => {
  iso = isolate('gateway_auth_rpc');
  zk = new ZkSession({ hosts: iso.zkHosts });
  await zk.waitConnected();
  auth = await startService('auth', { ...iso.env, GRPC_PORT: '0', SK_ADMIN_USER: 'admin', SK_ADMIN_PASSWORD: 'admin123' });
  skApp = await startFakeUpstream('sk-app', zk, iso.zkRoot);
  gateway = await startService('gateway', { ...iso.env, AUTH_MODE: 'rpc', AUTH_RPC_DEADLINE_MS: '500', SOLD_OUT_AT_GATEWAY: 'off' });
});

afterAll(async () => {
  await gateway?.stop();
  await auth?.stop();
  await skApp?.close();
  zk?.close();
  await iso?.cleanup();
});

// Not JSON, so forwarded alone (not in a kill batch): the identity headers show what auth vouched for.
function kill(token: string): Promise<Response> {
  return fetch(`${gateway.url}/sec/kill`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
    body: 'kill',
  });
}

describe('gateway with AUTH_MODE=rpc', () => {
  let token: string;
  let userId: number;

  it("forwards a request with the user auth's CheckToken vouched for, and refuses a token auth rejects", async () => {
    const login = await fetch(`${gateway.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: 'admin', password: 'admin123' }),
    });
    expect(login.status).toBe(200);
    ({ access_token: token, user_id: userId } = (await login.json()) as { access_token: string; user_id: number });

    expect((await kill(token)).status).toBe(200);
    expect(skApp.seen.at(-1)!.headers['x-sk-user-id']).toBe(String(userId));

    const foreign = await kill(await (await TokenMint.create()).sign(77, ['user']));
    expect(foreign.status).toBe(401);
    expect(await foreign.json()).toMatchObject({ code: 1103 });
  });

  it('keeps a checked token valid from its cache while auth is down; an unchecked one gets 503/1111', async () => {
    await auth.stop('SIGKILL');
    expect((await kill(token)).status).toBe(200);

    const unchecked = await kill(await (await TokenMint.create()).sign(78, ['user']));
    expect(unchecked.status).toBe(503);
    expect(await unchecked.json()).toMatchObject({ code: 1111 });
  });
});
