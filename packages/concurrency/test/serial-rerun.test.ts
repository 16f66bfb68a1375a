import { describe, expect, it } from 'vitest';
import { SerialRerun } from '../src/index.js';

describe('SerialRerun', () => {
  it('runs one at a time and folds calls made during a run into one more run', async () => {
    let runs = 0;
    let active = 0;
    let maxActive = 0;
    const rerun = new SerialRerun(async () => {
      runs += 1;
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 20));
      active -= 1;
    });
    const first = rerun.run();
    const during = [rerun.run(), rerun.run(), rerun.run()];
    await Promise.all([first, ...during]);
    expect(runs).toBe(2);
    expect(maxActive).toBe(1);
    await rerun.run();
    expect(runs).toBe(3);
  });

  it('ends the series once keepGoing says so', async () => {
    let runs = 0;
    let going = true;
    const rerun = new SerialRerun(
      async () => {
        runs += 1;
        going = false;
        await new Promise((r) => setTimeout(r, 10));
      },
      () => going,
    );
    await Promise.all([rerun.run(), rerun.run()]);
    expect(runs).toBe(1);
  });

  it('is idle again after a failed run, and runs afresh', async () => {
    let fail = true;
    const rerun = new SerialRerun(async () => {
      await new Promise((r) => setTimeout(r, 10));
      if (fail) throw new Error('boom');
    });
    const failed = rerun.run();
    await expect(failed).rejects.toThrow('boom');
    await rerun.idle();
    fail = false;
    await expect(rerun.run()).resolves.toBeUndefined();
  });

  it('still runs once more when asked to during a run that fails', async () => {
    let runs = 0;
    const rerun = new SerialRerun(async () => {
      runs += 1;
      await new Promise((r) => setTimeout(r, 10));
      if (runs === 1) throw new Error('lost the connection');
    });
    const first = rerun.run();
    const during = rerun.run();
    await expect(first).resolves.toBeUndefined();
    await expect(during).resolves.toBeUndefined();
    expect(runs).toBe(2);
  });

  // A call in the few microtasks between a run's end and the series' end was folded into a run
  // that never came: the gateway's primary registered itself in exactly that gap and never appeared.
  it('runs again for a call made at any moment of a run that is ending', async () => {
    for (let ticks = 0; ticks < 12; ticks++) {
      let version = 0;
      let seen = -1;
      const rerun = new SerialRerun(async () => {
        seen = version;
      });
      void rerun.run();
      for (let i = 0; i < ticks; i++) await Promise.resolve();
      version = 1;
      await rerun.run();
      expect({ ticks, seen }).toEqual({ ticks, seen: 1 });
    }
  });
});
