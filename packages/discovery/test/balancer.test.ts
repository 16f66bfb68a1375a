import { describe, expect, it } from 'vitest';
import { SmoothWeightedBalancer, type ServiceInstance } from '../src/index.js';

function instances(weights: Record<string, number>): ServiceInstance[] {
  return Object.entries(weights).map(([id, weight], i) => ({ id, service: 'svc', host: '10.0.0.1', port: 9000 + i, weight }));
}

function picks(
  balancer: SmoothWeightedBalancer,
  list: readonly ServiceInstance[],
  n: number,
  usable?: (i: ServiceInstance) => boolean,
): string[] {
  return Array.from({ length: n }, () => balancer.pick('svc', list, usable)?.id ?? '-');
}

function counts(ids: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

describe('smooth weighted round robin', () => {
  it('gives weights 1:2:3:4 exactly 100/200/300/400 of 1,000 picks', () => {
    const b = new SmoothWeightedBalancer();
    expect(counts(picks(b, instances({ a: 1, b: 2, c: 3, d: 4 }), 1_000))).toEqual({ a: 100, b: 200, c: 300, d: 400 });
  });

  it('spreads weights 5:1:1 as a a b a c a a, and again', () => {
    const b = new SmoothWeightedBalancer();
    const list = instances({ a: 5, b: 1, c: 1 });
    expect(picks(b, list, 14).join(' ')).toBe('a a b a c a a a a b a c a a');
  });

  it('keeps each service apart', () => {
    const b = new SmoothWeightedBalancer();
    const list = instances({ a: 1, b: 1 });
    expect([b.pick('x', list)?.id, b.pick('y', list)?.id, b.pick('x', list)?.id]).toEqual(['a', 'a', 'b']);
  });

  it('keeps current weights by id when the list changes, and forgets departed instances', () => {
    const b = new SmoothWeightedBalancer();
    expect(picks(b, instances({ a: 5, b: 1, c: 1 }), 2)).toEqual(['a', 'a']); // current: a -4, b 2, c 2
    // A new list (as discovery hands out on a change): c left, d joined, a and b keep their place.
    const next = instances({ d: 1, b: 1, a: 5 });
    expect(picks(b, next, 1)).toEqual(['b']); // d 1, b 3, a 1
    // c comes back: it starts from zero, not from its old weight.
    const back = instances({ a: 5, b: 1, c: 1 });
    expect(picks(b, back, 1)).toEqual(['a']); // a 6, b -3, c 1
  });

  it('picks only usable instances, and undefined when there is none', () => {
    const b = new SmoothWeightedBalancer();
    const list = instances({ a: 3, b: 1, c: 1 });
    expect(counts(picks(b, list, 20, (i) => i.id !== 'a'))).toEqual({ b: 10, c: 10 });
    expect(picks(b, list, 2, () => false)).toEqual(['-', '-']);
    expect(b.pick('svc', [])).toBeUndefined();
  });
});
