import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../../../test/support/processes.js';
import { PrivateZooKeeper } from '../../../test/support/zookeeper.js';
import { ZkSession } from '../src/index.js';

const dirs: string[] = [];
const servers: PrivateZooKeeper[] = [];
let session: ZkSession | undefined;

async function server(port: number): Promise<PrivateZooKeeper> {
  const dir = await mkdtemp(join(tmpdir(), 'sk-zk-session-'));
  dirs.push(dir);
  const zk = await PrivateZooKeeper.start(dir, port);
  servers.push(zk);
  return zk;
}

afterAll(async () => {
  session?.close();
  await Promise.all(servers.map((s) => s.stop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

it('opens a new session when the server no longer knows the old one', async () => {
  const port = await freePort();
  const first = await server(port);
  session = new ZkSession({ hosts: first.hosts, sessionTimeoutMs: 4_000 });
  await session.waitConnected();
  expect(session.generation).toBe(1);

  // A server that lost every session (fresh data) answers the old session's reconnect with expiry.
  await first.stop();
  const renewed = new Promise<number>((resolve) => session!.once('session', resolve));
  await server(port);

  expect(await renewed).toBe(2);
  await session.waitConnected();
  await session.mkdirp('/after-expiry');
  expect(await session.getChildren('/')).toContain('after-expiry');
});
