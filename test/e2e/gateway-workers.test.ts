import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ZkSession } from '@sk/zookeeper';
import { ZK_HOSTS, isolate } from '../support/infra.js';
import { answersCounted } from '../support/metrics.js';
import { startService, type RunningService } from '../support/processes.js';

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
