import { createServer, type Server } from 'node:http';
import { CreateMode, ZkSession } from '@sk/zookeeper';
import { createMysql } from '@sk/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isolate, startService, type Isolation, type RunningService } from '@sk/test-support';
import { eventually, testTokens } from './harness.js';

/** The process as `./sk` runs it: config from the environment, keys from the auth instance found in discovery. */
describe('sk-admin process', () => {
  let iso: Isolation;
  let zk: ZkSession;
  let jwksServer: Server;
  let service: RunningService;
  let tokens: Awaited<ReturnType<typeof testTokens>>;

  beforeAll(async () => {
    iso = isolate('sk_admin_process');
    tokens = await testTokens();
    const authPort = await freePort();
    jwksServer = createServer((req, res) => {
      res.writeHead(req.url === '/oauth/jwks' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.url === '/oauth/jwks' ? tokens.jwks : {}));
    });
    await new Promise<void>((resolve) => jwksServer.listen(authPort, '127.0.0.1', resolve));
    zk = new ZkSession({ hosts: iso.zkHosts });
    await zk.waitConnected();
    const authDir = `${iso.zkRoot}/services/auth`;
    await zk.mkdirp(authDir);
    const instance = { id: 'auth-test', service: 'auth', host: '127.0.0.1', port: authPort, weight: 1 };
    await zk.create(`${authDir}/auth-test`, Buffer.from(JSON.stringify(instance)), CreateMode.EPHEMERAL);
    service = await startService('sk-admin', { ...iso.env, MIRROR_INTERVAL_MS: '200' });
    // The admin token's user, an operator in the users table (sk-admin checks it there too).
    const mysql = await createMysql(iso.mysqlUrl);
    await mysql.query("INSERT INTO users (id, username, password_hash, roles) VALUES (1, 'admin', 'x', 'admin,user')");
    await mysql.end();
  });

  afterAll(async () => {
    await service?.stop();
    zk?.close();
    jwksServer?.close();
    await iso?.cleanup();
  });

  const call = async (method: string, path: string, body?: unknown, token: string | null = tokens.admin) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as { code: number; result?: Record<string, unknown> } };
  };

  it('registers itself in discovery', async () => {
    const children = await eventually(async () => {
      const names = await zk.getChildren(`${iso.zkRoot}/services/sk-admin`);
      return names?.length ? names : undefined;
    });
    expect(children).toEqual([`sk-admin-127.0.0.1-${service.port}`]);
  });

  it('verifies admin tokens with the keys of the discovered auth instance', async () => {
    expect((await call('GET', '/admin/products', undefined, null)).body.code).toBe(1103);
    expect((await call('GET', '/admin/products', undefined, tokens.shopper)).body.code).toBe(1112);
    const product = await call('POST', '/admin/products', { name: 'Process phone' });
    expect(product.status).toBe(201);
  });

  it('mirrors a new activity to ZooKeeper', async () => {
    const product = await call('POST', '/admin/products', { name: 'Mirrored' });
    const start = Math.floor(Date.now() / 1000) + 60;
    const created = await call('POST', '/admin/activities', {
      name: 'Process sale',
      product_id: product.body.result!.product_id,
      start_time: start,
      end_time: start + 600,
      total: 5,
      buy_limit: 1,
    });
    expect(created.status).toBe(201);
    expect(created.body.result).toMatchObject({ mirror: 'done', version: 1 });
    const node = await zk.getData(`${iso.zkRoot}/activities/${created.body.result!.activity_id}`);
    expect(JSON.parse(node!.data.toString())).toMatchObject({ name: 'Process sale', total: 5, start_time: start * 1000, version: 1 });
  });
});
