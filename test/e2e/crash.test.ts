import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { isolate, startService, type RunningService } from '@sk/test-support';

// Each service, as its entry starts it, meets an exception nobody catches (or a rejection nobody
// handles) once it serves: thrown by a SIGUSR2 listener that the test preloads (--import), as a
// dependency client's socket handler would throw. It must log it at fatal and exit non-zero, not
// limp on.
const iso = isolate('e2e_crash');
const started: RunningService[] = [];

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop('SIGKILL')));
  await iso.cleanup();
});

function preload(body: string): Record<string, string> {
  return { NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(`process.on('SIGUSR2', () => { ${body} });`)}` };
}

async function start(name: string, extra: Record<string, string>): Promise<RunningService> {
  const env = {
    ...iso.env,
    ...extra,
    ...(name === 'auth' ? { GRPC_PORT: '0', SK_ADMIN_USER: 'admin', SK_ADMIN_PASSWORD: 'admin123' } : {}),
  };
  const service = await startService(name, env);
  started.push(service);
  return service;
}

async function crash(service: RunningService): Promise<{ code: number | null; fatal: Record<string, unknown>[] }> {
  // 'close': after the exit, once its output is all read
  const closed = once(service.child, 'close');
  service.child.kill('SIGUSR2');
  const [code] = (await closed) as [number | null];
  const fatal = service
    .output()
    .split('\n')
    .flatMap((line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        return parsed.level === 60 ? [parsed] : [];
      } catch {
        return [];
      }
    });
  return { code, fatal };
}

describe('a service that meets an uncaught exception', () => {
  const thrower = preload(`throw new Error('thrown from a socket handler')`);

  it.each(['auth', 'gateway', 'sk-admin', 'sk-app', 'sk-core', 'sk-order'])('%s logs it at fatal and exits 1', async (name) => {
    const { code, fatal } = await crash(await start(name, thrower));
    expect(code).toBe(1);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ name, msg: 'uncaught exception', err: { message: 'thrown from a socket handler' } });
  });

  it('and on an unhandled rejection too', async () => {
    const { code, fatal } = await crash(await start('sk-core', preload(`Promise.reject(new Error('nobody handled this'))`)));
    expect(code).toBe(1);
    expect(fatal[0]).toMatchObject({ name: 'sk-core', msg: 'unhandled rejection', err: { message: 'nobody handled this' } });
  });
});
