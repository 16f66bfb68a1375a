import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { crashed, exitOnCrash } from '../src/lifecycle.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A logger whose lines land in `lines`, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ name: 'probe' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

function stubExit() {
  return vi.spyOn(process, 'exit').mockImplementation((() => undefined) as () => never);
}

describe('crashed', () => {
  it('logs the error at fatal, then exits 1', () => {
    const exit = stubExit();
    const { log, lines } = capture();
    crashed(log, 'uncaught exception')(new Error('socket handler threw'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 60,
      name: 'probe',
      msg: 'uncaught exception',
      err: { type: 'Error', message: 'socket handler threw' },
    });
    expect(String((lines[0]!.err as { stack: string }).stack)).toContain('socket handler threw');
    expect(exit).toHaveBeenCalledExactlyOnceWith(1);
  });

  it('logs a rejection with a reason that is no Error', () => {
    stubExit();
    const { log, lines } = capture();
    crashed(log, 'unhandled rejection')('plain reason');
    expect(lines[0]).toMatchObject({ level: 60, msg: 'unhandled rejection', err: 'plain reason' });
  });

  it('exits 1 even when logging fails', () => {
    const exit = stubExit();
    const broken = {
      fatal: () => {
        throw new Error('stdout closed');
      },
    };
    expect(() => crashed(broken, 'uncaught exception')(new Error('boom'))).toThrow('stdout closed');
    expect(exit).toHaveBeenCalledExactlyOnceWith(1);
  });
});

describe('exitOnCrash', () => {
  it('installs one listener for uncaught exceptions and one for unhandled rejections', () => {
    const before = { exceptions: process.listeners('uncaughtException'), rejections: process.listeners('unhandledRejection') };
    exitOnCrash('probe');
    const added = {
      exceptions: process.listeners('uncaughtException').filter((l) => !before.exceptions.includes(l)),
      rejections: process.listeners('unhandledRejection').filter((l) => !before.rejections.includes(l)),
    };
    for (const l of added.exceptions) process.off('uncaughtException', l);
    for (const l of added.rejections) process.off('unhandledRejection', l);
    expect(added.exceptions).toHaveLength(1);
    expect(added.rejections).toHaveLength(1);
  });
});
