import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { PrivateZooKeeper, ZK_HOSTS, freePort, removeTree } from '@sk/test-support';
import { CreateMode, Exception, ZkSession, isCode, type ZkOptions } from '../src/index.js';

// Each test's root sits one level below a parent of its own, so that the parent shows what the
// session makes above the root.
const parent = (label: string) => `/skt/zk-acl-${label}-${process.pid}-${randomBytes(3).toString('hex')}`;
const credentials = `sk:${randomBytes(12).toString('hex')}`;
const sessions: ZkSession[] = [];
const trees: { root: string; credentials?: string }[] = [];
const servers: PrivateZooKeeper[] = [];

async function session(options: Partial<ZkOptions> = {}): Promise<ZkSession> {
  const zk = new ZkSession({ hosts: ZK_HOSTS, ...options });
  sessions.push(zk);
  await zk.waitConnected();
  return zk;
}

/** The ZooKeeper error code `attempt` failed with; 0 when it succeeded. */
async function codeOf(attempt: Promise<unknown>): Promise<number> {
  try {
    await attempt;
    return 0;
  } catch (err) {
    if (isCode(err, Exception.NO_AUTH)) return Exception.NO_AUTH;
    throw err;
  }
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

afterAll(async () => {
  for (const zk of sessions) zk.close();
  try {
    for (const tree of trees) await removeTree(tree.root, tree.credentials);
  } finally {
    await Promise.all(servers.map((s) => s.dispose()));
  }
});

describe('with credentials', () => {
  it('makes the nodes under the root its own: a client without them, or with others, can neither add, read, change nor remove one', async () => {
    const top = parent('own');
    const root = `${top}/seckill`;
    trees.push({ root, credentials }, { root: top });
    const suite = await session({ auth: { credentials, root } });
    await suite.mkdirp(`${root}/services/auth`);
    await suite.create(`${root}/services/auth/auth-1`, json({ port: 9019 }), CreateMode.EPHEMERAL);
    await suite.mkdirp(`${root}/activities`);
    await suite.create(`${root}/activities/1`, json({ activity_id: 1 }));

    const intruders = [await session(), await session({ auth: { credentials: 'sk:not-the-password', root } })];
    for (const intruder of intruders) {
      const refusals = await Promise.all([
        codeOf(intruder.create(`${root}/services/auth/auth-rogue`, json({ port: 6666 }), CreateMode.EPHEMERAL)),
        codeOf(intruder.create(`${root}/services/sk-app`, Buffer.alloc(0))),
        codeOf(intruder.getChildren(`${root}/services/auth`)),
        codeOf(intruder.getData(`${root}/activities/1`)),
        codeOf(intruder.setData(`${root}/activities/1`, json({ activity_id: 1, total: 1e9 }), -1)),
        codeOf(intruder.remove(`${root}/activities/1`)),
        codeOf(intruder.remove(`${root}/services/auth/auth-1`)),
      ]);
      expect(refusals).toEqual(refusals.map(() => Exception.NO_AUTH));
    }

    // The suite's own session works as before.
    expect(await suite.getChildren(`${root}/services/auth`)).toEqual(['auth-1']);
    expect(await suite.setData(`${root}/activities/1`, json({ activity_id: 1, total: 5 }), 0)).toBe(1);
    expect(JSON.parse(String((await suite.getData(`${root}/activities/1`))!.data))).toEqual({ activity_id: 1, total: 5 });
    // Above the root, what the session made stays open, as the tests' shared /skt must.
    const anonymous = intruders[0]!;
    expect(await anonymous.create(`${top}/beside`, Buffer.alloc(0))).toBe(`${top}/beside`);
  });

  it('locks at start a tree that a run without credentials left open, and drops an instance registered without them', async () => {
    const root = parent('left-open');
    trees.push({ root, credentials });
    const intruder = await session();
    await intruder.mkdirp(`${root}/services/auth`);
    await intruder.create(`${root}/services/auth/auth-rogue`, json({ host: '127.0.0.1', port: 1 }), CreateMode.EPHEMERAL);
    await intruder.mkdirp(`${root}/activities`);
    await intruder.create(`${root}/activities/1`, json({ activity_id: 1 }));

    // Connected means locked: nothing under the root is read or written before.
    const suite = await session({ auth: { credentials, root } });
    expect(await suite.getChildren(`${root}/services/auth`)).toEqual([]);
    const refusals = await Promise.all([
      codeOf(intruder.getData(`${root}/activities/1`)),
      codeOf(intruder.getChildren(root)),
      codeOf(intruder.create(`${root}/services/auth/auth-rogue-2`, Buffer.alloc(0), CreateMode.EPHEMERAL)),
      codeOf(intruder.setData(`${root}/activities/1`, json({ activity_id: 1, total: 1e9 }), -1)),
    ]);
    expect(refusals).toEqual(refusals.map(() => Exception.NO_AUTH));
    // What the suite had stays as it was, and its own.
    expect(JSON.parse(String((await suite.getData(`${root}/activities/1`))!.data))).toEqual({ activity_id: 1 });
  });

  it('authenticates the session that replaces an expired one', async () => {
    const port = await freePort();
    const first = await PrivateZooKeeper.start(port);
    servers.push(first);
    const root = '/seckill';
    const suite = new ZkSession({ hosts: first.hosts, sessionTimeoutMs: 4_000, auth: { credentials, root } });
    sessions.push(suite);
    await suite.waitConnected();

    // A server that lost every session (fresh data) answers the old session's reconnect with expiry,
    // once it is past the transactions the session saw (the claim of the root wrote some): until
    // then it refuses the client.
    await first.stop();
    const renewed = new Promise<number>((resolve) => suite.once('connected', () => resolve(suite.generation)));
    const second = await PrivateZooKeeper.start(port);
    servers.push(second);
    const other = new ZkSession({ hosts: second.hosts });
    sessions.push(other);
    await other.waitConnected();
    for (let i = 0; i < 10; i++) await other.create(`/catch-up-${i}`, Buffer.alloc(0));
    expect(await renewed).toBe(2);

    // Made with the credentials' ACL: only a session holding them reads it back.
    await suite.mkdirp(`${root}/activities`);
    await suite.create(`${root}/activities/1`, json({ activity_id: 1 }));
    expect((await suite.getData(`${root}/activities/1`))?.data.length).toBeGreaterThan(0);
  });
});

describe('without credentials', () => {
  it('leaves every node open to anyone, as ZooKeeper does by default', async () => {
    const root = parent('open');
    trees.push({ root });
    const suite = await session();
    await suite.mkdirp(`${root}/activities`);
    await suite.create(`${root}/activities/1`, json({ activity_id: 1 }));
    const other = await session();
    expect(await other.create(`${root}/services`, Buffer.alloc(0))).toBe(`${root}/services`);
    expect(await other.setData(`${root}/activities/1`, json({ activity_id: 1, total: 2 }), -1)).toBe(1);
    expect(await suite.getChildren(root)).toEqual(expect.arrayContaining(['activities', 'services']));
  });
});
