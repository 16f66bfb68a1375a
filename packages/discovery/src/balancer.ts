import type { Balancer, ServiceInstance } from './types.js';

/** One service's instance list as last seen, with each instance's current weight at the same index. */
interface Rotation {
  instances: readonly ServiceInstance[];
  current: number[];
}

/**
 * nginx's smooth weighted round robin: each pick adds every usable instance's weight to its
 * current weight, takes the highest and lowers it by the sum of the weights. Weights 5:1:1 give
 * a a b a c a a — the heavy instance's turns spread out instead of coming in a row.
 *
 * Current weights are kept by instance id across list changes (discovery hands out a new list on
 * every change), so an instance joining or leaving does not reset the others' turns.
 */
export class SmoothWeightedBalancer implements Balancer {
  private readonly rotations = new Map<string, Rotation>();

  pick(
    service: string,
    instances: readonly ServiceInstance[],
    usable?: (instance: ServiceInstance) => boolean,
  ): ServiceInstance | undefined {
    const { current } = this.rotationFor(service, instances);
    let best = -1;
    let total = 0;
    for (let i = 0; i < instances.length; i++) {
      const instance = instances[i]!;
      if (usable && !usable(instance)) continue;
      current[i]! += instance.weight;
      total += instance.weight;
      if (best < 0 || current[i]! > current[best]!) best = i;
    }
    if (best < 0) return undefined;
    current[best]! -= total;
    return instances[best];
  }

  private rotationFor(service: string, instances: readonly ServiceInstance[]): Rotation {
    const previous = this.rotations.get(service);
    if (previous?.instances === instances) return previous;
    const byId = new Map<string, number>();
    previous?.instances.forEach((instance, i) => byId.set(instance.id, previous.current[i]!));
    const rotation = { instances, current: instances.map((instance) => byId.get(instance.id) ?? 0) };
    this.rotations.set(service, rotation);
    return rotation;
  }
}
