import { describe, expect, it } from 'vitest';
import { InstanceResources, SmoothWeightedBalancer, type Discovery, type ServiceInstance } from '../src/index.js';

const instance = (id: string, grpcPort?: number): ServiceInstance => ({
  id,
  service: 'svc',
  host: '10.0.0.1',
  port: Number(id.slice(1)),
  weight: 1,
  ...(grpcPort ? { grpcPort } : {}),
});

/** A discovery whose list the test sets; a new array per change, as the real backends hand out. */
function listed(initial: ServiceInstance[]) {
  let list: readonly ServiceInstance[] = initial;
  const discovery: Discovery = {
    connected: true,
    register: async () => {},
    instances: () => list,
    watch: async () => {},
    close: async () => {},
  };
  return { discovery, set: (next: ServiceInstance[]) => (list = next) };
}

describe('InstanceResources', () => {
  it('makes a resource on first use, skips what does not admit, and retires departed instances', async () => {
    const { discovery, set } = listed([instance('a1'), instance('a2'), instance('a3')]);
    const retired: string[] = [];
    const healthy = new Set(['a1', 'a2', 'a3']);
    const made: string[] = [];
    const resources = new InstanceResources(discovery, new SmoothWeightedBalancer(), 'svc', {
      key: (i) => i.id,
      reachable: (i) => i.id !== 'a3',
      make: (i) => (made.push(i.id), { instance: i }),
      retire: (r) => void retired.push(r.instance.id),
      admits: (r) => healthy.has(r.instance.id),
    });

    const picks = Array.from({ length: 4 }, () => resources.pick()!.instance.id);
    expect(picks.sort()).toEqual(['a1', 'a1', 'a2', 'a2']);
    expect(made).toEqual(['a1', 'a2']);

    healthy.delete('a1');
    expect(Array.from({ length: 3 }, () => resources.pick()!.instance.id)).toEqual(['a2', 'a2', 'a2']);
    expect(resources.pick(instance('a2'))).toBeUndefined();

    set([instance('a2')]);
    resources.pick();
    expect(retired).toEqual(['a1']);
    await resources.close();
    expect(retired).toEqual(['a1', 'a2']);
  });
});
