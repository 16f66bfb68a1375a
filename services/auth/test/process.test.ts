import { afterAll, beforeAll, expect, it } from 'vitest';
import { serviceInstanceSchema } from '@sk/discovery';
import { ZkSession } from '@sk/zookeeper';
import { isolate, startService, type RunningService } from '@sk/test-support';
import { authClient, checkToken } from './support.js';

const iso = isolate('auth_process');
let service: RunningService;
let zk: ZkSession;

beforeAll(async () => {
  service = await startService('auth', { ...iso.env, GRPC_PORT: '0' });
  zk = new ZkSession({ hosts: iso.zkHosts });
  await zk.waitConnected(5_000);
});

afterAll(async () => {
  await service?.stop();
  zk?.close();
  await iso.cleanup();
});

it('comes up healthy, registers itself with its gRPC port and leaves on SIGTERM', async () => {
  const dir = `${iso.zkRoot}/services/auth`;
  await expect.poll(async () => (await zk.getChildren(dir))?.length ?? 0, { timeout: 10_000 }).toBe(1);
  const [id] = (await zk.getChildren(dir))!;
  const node = await zk.getData(`${dir}/${id}`);
  const instance = serviceInstanceSchema.parse(JSON.parse(node!.data.toString('utf8')));
  expect(instance).toMatchObject({ service: 'auth', host: '127.0.0.1', port: service.port });
  expect(instance.grpcPort).toBeGreaterThan(0);

  const res = await fetch(`${service.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', username: 'admin', password: 'admin123' }),
  });
  expect(res.status).toBe(200);
  const { access_token } = (await res.json()) as { access_token: string };
  const client = authClient(instance.grpcPort!);
  try {
    expect(await checkToken(client, access_token)).toMatchObject({ valid: true, username: 'admin', roles: ['admin'] });
  } finally {
    client.close();
  }

  await service.stop('SIGTERM');
  expect(service.child.exitCode).toBe(0);
  expect(await zk.getChildren(dir)).toEqual([]);
});
