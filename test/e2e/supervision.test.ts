import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isolate } from '@sk/test-support';

// scripts/supervise.sh, the supervisor ./sk starts each service instance under, driven as ./sk does
// (spawn: a session of its own, output appended to the instance's log; down: SIGTERM to the group),
// with its files in a directory of this test's: ./sk ps in the checkout never sees them.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const iso = isolate('e2e_supervision');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sk-supervise-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await iso.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function supervise(name: string, port: number, cmd: string[], env: Record<string, string> = {}) {
  const log = join(dir, `${name}-${port}.log`);
  const out = openSync(log, 'a');
  const proc = spawn(join(ROOT, 'scripts/supervise.sh'), [dir, name, String(port), ...cmd], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const file = (ext: string) => readFile(join(dir, `${name}-${port}.${ext}`), 'utf8').catch(() => '');
  return {
    exited,
    log: () => readFile(log, 'utf8'),
    /** The pid of the running instance, as `./sk ps` shows it. */
    servicePid: async () => Number((await file('service')).split(' ')[0]) || undefined,
    restarts: async () => (await file('restarts')).trim(),
    /** As `./sk down` stops it: SIGTERM to the supervisor's whole process group. */
    stop: () => process.kill(-proc.pid!, 'SIGTERM'),
    kill: () => {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
    },
  };
}

async function healthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1_000) })).status === 200;
  } catch {
    return false;
  }
}

/** Polls `probe` until it gives a value; fails after `ms`. */
async function within<T>(ms: number, what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('supervise.sh', () => {
  it('starts a killed service again within 5 s, logs and counts it, and restarts nothing when stopped', async () => {
    const port = await freePort();
    const sup = supervise('sk-core', port, ['env', `PORT=${port}`, process.execPath, 'services/sk-core/dist/main.js'], {
      ...iso.env,
      HOST: '127.0.0.1',
      ADVERTISE_HOST: '127.0.0.1',
    });
    try {
      const first = await within(30_000, 'sk-core healthy', async () => {
        const pid = await sup.servicePid();
        return pid && (await healthy(port)) ? pid : undefined;
      });
      expect(await sup.restarts()).toBe('0');

      process.kill(first, 'SIGKILL');
      const killedAt = Date.now();
      const second = await within(5_000, 'a new sk-core healthy', async () => {
        const pid = await sup.servicePid();
        return pid && pid !== first && (await healthy(port)) ? pid : undefined;
      });
      expect(Date.now() - killedAt).toBeLessThan(5_000);
      expect(running(first)).toBe(false);
      expect(await sup.restarts()).toBe('1');
      expect(await sup.log()).toContain(`restarting sk-core on ${port} after exit 137 (SIGKILL)`);

      sup.stop();
      expect(await sup.exited).toBe(0);
      expect(running(second)).toBe(false);
      // Longer than the first pause before a restart: none comes.
      await sleep(1_000);
      expect(await healthy(port)).toBe(false);
      expect(await sup.restarts()).toBe('1');
      expect((await sup.log()).match(/restarting/g)).toHaveLength(1);
    } catch (err) {
      throw new Error(`${String(err)}\n${await sup.log()}`);
    } finally {
      sup.kill();
    }
  });

  it('backs off while an instance keeps dying, each start still within 5 s of the death', async () => {
    const port = await freePort();
    // Healthy at once, dead a second later, every time.
    const server = `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1', () => setTimeout(() => process.exit(1), 1000))`;
    const sup = supervise('flaky', port, [process.execPath, '-e', server]);
    try {
      await within(15_000, 'four restarts', async () => ((await sup.restarts()) === '4' ? true : undefined));
      const pauses = [...(await sup.log()).matchAll(/restarting flaky on \d+ after exit 1: restart \d+, in ([\d.]+) s/g)].map((m) =>
        Number(m[1]),
      );
      expect(pauses.slice(0, 4)).toEqual([0.25, 0.5, 1, 2]);
      expect(Math.max(...pauses)).toBeLessThanOrEqual(4);
      sup.stop();
      expect(await sup.exited).toBe(0);
    } finally {
      sup.kill();
    }
  });

  it('does not start again an instance that ended before its /health ever answered', async () => {
    const port = await freePort();
    const sup = supervise('broken', port, [process.execPath, '-e', 'process.exit(3)']);
    try {
      expect(await sup.exited).toBe(3);
      // its one line, nothing of the supervisor's own workings
      expect(await sup.log()).toMatch(
        new RegExp(`^=== [\\d-]+ [\\d:]+: broken on ${port} ended \\(exit 3\\) before its /health answered 200: not starting it again\\n$`),
      );
      expect(await sup.restarts()).toBe('0');
    } finally {
      sup.kill();
    }
  });
});
