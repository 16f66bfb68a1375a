import { expect, it } from 'vitest';
import { OneAtATime } from '../src/index.js';

it('runs tasks one after another in call order, a failure stopping none of the rest', async () => {
  const order: string[] = [];
  const queue = new OneAtATime();
  const step = (name: string, ms: number, fail = false) =>
    queue.run(async () => {
      order.push(`${name} start`);
      await new Promise((r) => setTimeout(r, ms));
      order.push(`${name} end`);
      if (fail) throw new Error(name);
      return name;
    });
  const results = await Promise.allSettled([step('a', 30), step('b', 5, true), step('c', 1)]);
  expect(order).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['a', 'b', 'c']);
});
