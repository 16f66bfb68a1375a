import type { Balancer, ServiceInstance } from './types.js';

/** Plain round robin per service; the gateway's weighted policy replaces it through `Balancer`. */
export class RoundRobinBalancer implements Balancer {
  private readonly next = new Map<string, number>();

  pick(service: string, instances: readonly ServiceInstance[]): ServiceInstance | undefined {
    if (instances.length === 0) return undefined;
    const i = (this.next.get(service) ?? 0) % instances.length;
    this.next.set(service, i + 1);
    return instances[i];
  }
}
