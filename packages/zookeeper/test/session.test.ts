import { createServer, type Socket } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { PrivateZooKeeper, freePort } from '@sk/test-support';
import { ZkSession } from '../src/index.js';

const servers: PrivateZooKeeper[] = [];
const sessions: ZkSession[] = [];

async function server(port: number): Promise<PrivateZooKeeper> {
  const zk = await PrivateZooKeeper.start(port);
  servers.push(zk);
  return zk;
}

afterAll(async () => {
  for (const s of sessions) s.close();
  await Promise.all(servers.map((s) => s.dispose()));
});

it('opens a new session when the server no longer knows the old one', async () => {
  const port = await freePort();
  const first = await server(port);
  const session = new ZkSession({ hosts: first.hosts, sessionTimeoutMs: 4_000 });
  sessions.push(session);
  await session.waitConnected();
  expect(session.generation).toBe(1);

  // A server that lost every session (fresh data) answers the old session's reconnect with expiry.
  await first.stop();
  const renewed = new Promise<number>((resolve) => session.once('connected', () => resolve(session.generation)));
  await server(port);

  expect(await renewed).toBe(2);
  await session.waitConnected();
  await session.mkdirp('/after-expiry');
  expect(await session.getChildren('/')).toContain('after-expiry');
});

it('gives up on a server that took the connection but never answers the handshake, and connects once one serves', async () => {
  // What a ZooKeeper in start-up can do: accept the socket, then say nothing, without closing it.
  const port = await freePort();
  const held: Socket[] = [];
  const silent = createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
  const session = new ZkSession({ hosts: `127.0.0.1:${port}`, sessionTimeoutMs: 5_000 });
  sessions.push(session);
  while (held.length === 0) await new Promise((r) => setTimeout(r, 20));

  // The silent socket stays open: only the session's own limit on the handshake ends the wait.
  silent.close();
  await server(port);
  await session.waitConnected(20_000);
  expect(session.generation).toBe(1);
  held.forEach((socket) => socket.destroy());
});
