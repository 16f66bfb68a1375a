import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ZkSession } from '@sk/zookeeper';
import { ZK_HOSTS, answersCounted, isolate, startService, type RunningService } from '@sk/test-support';

// The gateway as a primary and two workers sharing its port (GATEWAY_WORKERS=2), on its own: what
// it answers by itself (unknown routes) is enough to see it counted, registered and kept alive.
const iso = isolate('e2e_gateway_workers');
let gateway: RunningService;
let zk: ZkSession;

beforeAll(async () => {
  zk = new ZkSession({ hosts: ZK_HOSTS });
  await zk.waitConnected();
  gateway = await startService('gateway', { ...iso.env, GATEWAY_WORKERS: '2', RATE_LIMITS: 'off' });
});

afterAll(async () => {
  await gateway?.stop('SIGKILL');
  zk?.close();
  await iso.cleanup();
});

/** The pids of the processes whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        const ppid = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1];
        return ppid === String(pid) ? [Number(entry)] : [];
      } catch {
        return []; // gone meanwhile
      }
    });
}

/** One GET on a connection of its own, so that the primary hands it to the next worker. */
function getOnNewConnection(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${gateway.url}${path}`, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A kept-alive connection that has had one request answered (so a worker holds it). */
function openConnection(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(gateway.port, '127.0.0.1', () => socket.write('GET /no/such/route HTTP/1.1\r\nHost: gateway\r\n\r\n'));
    socket.once('data', (chunk) => (String(chunk).startsWith('HTTP/1.1 404') ? resolve(socket) : reject(new Error(String(chunk)))));
    socket.once('error', reject);
  });
}

/** Where an fd points, or '' when it closed since its directory was listed (the worker keeps working meanwhile). */
function linkOf(path: string): string {
  try {
    return readlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** The pid holding the server end of each open connection to the gateway, by the client's port (Linux /proc). */
function serverEnds(pids: number[]): Map<number, number> {
  const pidOfInode = new Map<string, number>();
  for (const pid of pids) {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const inode = /^socket:\[(\d+)\]$/.exec(linkOf(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) pidOfInode.set(inode, pid);
    }
  }
  const ends = new Map<number, number>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').trim().split('\n').slice(1)) {
    const [, local, remote, state, , , , , , inode] = line.trim().split(/\s+/);
    const pid = pidOfInode.get(inode!);
    // 01: established
    if (state === '01' && pid && parseInt(local!.split(':')[1]!, 16) === gateway.port) ends.set(parseInt(remote!.split(':')[1]!, 16), pid);
  }
  return ends;
}

/** How many of `sockets` each of `workers` holds. */
function heldBy(workers: number[], sockets: Socket[]): number[] {
  const ends = serverEnds(workers);
  return workers.map((worker) => sockets.filter((socket) => ends.get(socket.localPort!) === worker).length);
}

const registrations = () => zk.getChildren(`${iso.zkRoot}/services/gateway`);

it('runs two workers behind one registration, and /metrics counts what both answered', async () => {
  const pid = gateway.child.pid!;
  expect(childrenOf(pid)).toHaveLength(2);
  // Registered by the primary once the first worker listens, which may be after /health answered.
  await expect.poll(registrations, { timeout: 5_000 }).toEqual([`gateway-127.0.0.1-${gateway.port}`]);

  const statuses = await Promise.all(Array.from({ length: 40 }, () => getOnNewConnection('/no/such/route')));
  expect(statuses).toEqual(Array(40).fill(404));
  // Each scrape lands on one worker; a worker's own registry would hold only about half of these.
  for (let scrape = 0; scrape < 4; scrape++) expect(await answersCounted(gateway.url, 'status="404"')).toBe(40);
});

it('hands each new connection to the worker that holds the fewest', async () => {
  const workers = childrenOf(gateway.child.pid!);
  const first = await Promise.all(Array.from({ length: 10 }, openConnection));
  // Kept open, each stays with its worker: close all that one worker holds (the one holding more:
  // under load the primary may still count connections of earlier tests that just closed).
  const ends = serverEnds(workers);
  const holding = (worker: number) => first.filter((socket) => ends.get(socket.localPort!) === worker).length;
  const [emptied, other] = workers.sort((a, b) => holding(b) - holding(a));
  const closing = first.filter((socket) => ends.get(socket.localPort!) === emptied);
  const kept = first.filter((socket) => !closing.includes(socket));
  expect(closing.length).toBeGreaterThan(0);
  for (const socket of closing) socket.destroy();
  await expect.poll(() => heldBy(workers, first), { timeout: 5_000 }).toEqual([0, kept.length]);
  // The workers' connections settled (the earlier tests' closes done) and the primary told of each,
  // so that what it counts is what they hold when the next ten come: in a full run, closes it had
  // not heard of yet made it give all ten to one worker.
  let before = '';
  const settled = () => {
    const now = [...serverEnds(workers)].sort().join();
    return [now === before, (before = now)][0];
  };
  await expect.poll(settled, { timeout: 10_000, interval: 300 }).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 300));

  // In turn, the next ten would leave the worker that kept its connections ahead by as many; by
  // connections held (any still open from earlier tests included), the emptied one catches up first.
  const second = await Promise.all(Array.from({ length: 10 }, openConnection));
  const [held, heldByOther] = heldBy([emptied!, other!], [...kept, ...second]);
  expect(held! + heldByOther!).toBe(kept.length + 10);
  const all = [...serverEnds(workers).values()];
  const holds = (worker: number) => all.filter((pid) => pid === worker).length;
  expect(Math.abs(holds(emptied!) - holds(other!))).toBeLessThanOrEqual(1);
  for (const socket of [...kept, ...second]) socket.destroy();
});

it('replaces a worker that dies', async () => {
  const pid = gateway.child.pid!;
  const [victim, survivor] = childrenOf(pid);
  process.kill(victim!, 'SIGKILL');
  await expect.poll(() => childrenOf(pid).filter((worker) => worker !== victim), { timeout: 10_000, interval: 100 }).toHaveLength(2);
  const workers = childrenOf(pid);
  expect(workers).toContain(survivor);
  expect(workers).not.toContain(victim);
  const statuses = await Promise.all(Array.from({ length: 20 }, () => getOnNewConnection('/no/such/route')));
  expect(statuses).toEqual(Array(20).fill(404));
  expect(await registrations()).toHaveLength(1);
});

it('on SIGTERM leaves discovery and stops every worker', async () => {
  const pid = gateway.child.pid!;
  const workers = childrenOf(pid);
  await gateway.stop('SIGTERM');
  expect(gateway.child.exitCode).toBe(0);
  expect(await registrations()).toEqual([]);
  const alive = workers.filter((worker) => {
    try {
      process.kill(worker, 0);
      return true;
    } catch {
      return false;
    }
  });
  expect(alive).toEqual([]);
});
