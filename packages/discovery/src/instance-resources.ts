import type { Balancer, Discovery, ServiceInstance } from './types.js';

/** What a client keeps for one instance: a connection pool or channel, a circuit breaker... */
export interface InstanceResource {
  instance: ServiceInstance;
}

export interface InstanceResourceOptions<R extends InstanceResource> {
  /** Names an instance's resource: an HTTP origin, a gRPC address. */
  key(instance: ServiceInstance): string;
  /** Instances this kind of resource can reach at all (e.g. those with a gRPC port). */
  reachable?(instance: ServiceInstance): boolean;
  make(instance: ServiceInstance): R;
  /** Closes a resource; a promise is awaited by `close` only. */
  retire(resource: R): void | Promise<void>;
  /** Whether the resource takes a request now (e.g. its breaker lets one through). */
  admits(resource: R): boolean;
}

/**
 * The resources a client keeps per instance of one service: made on first use, retired when the
 * instance leaves discovery. A pick goes through the balancer and skips instances whose resource
 * does not admit a request, so a failing instance drops out of the rotation until it recovers.
 */
export class InstanceResources<R extends InstanceResource> {
  private readonly byKey = new Map<string, R>();
  private checked: readonly ServiceInstance[] | undefined;
  /** The keys of the checked list's reachable instances, made once per list rather than per pick. */
  private keys = new Map<ServiceInstance, string>();

  constructor(
    private readonly discovery: Discovery,
    private readonly balancer: Balancer,
    readonly service: string,
    private readonly opts: InstanceResourceOptions<R>,
  ) {}

  /** The resource of a usable instance other than `exclude`; undefined when none is left. */
  pick(exclude?: ServiceInstance): R | undefined {
    const current = this.discovery.instances(this.service);
    this.retireDeparted(current);
    const excluded = exclude && (this.keys.get(exclude) ?? this.opts.key(exclude));
    const instance = this.balancer.pick(this.service, current, (candidate) => {
      const key = this.keys.get(candidate);
      if (key === undefined || key === excluded) return false;
      const held = this.byKey.get(key);
      return !held || this.opts.admits(held);
    });
    if (!instance) return undefined;
    const key = this.keys.get(instance)!;
    let resource = this.byKey.get(key);
    if (!resource) {
      resource = this.opts.make(instance);
      this.byKey.set(key, resource);
    }
    return resource;
  }

  async close(): Promise<void> {
    const all = [...this.byKey.values()];
    this.byKey.clear();
    await Promise.all(all.map((resource) => this.opts.retire(resource)));
  }

  /** Discovery hands out a new list on every change, so an unchanged list costs one comparison. */
  private retireDeparted(current: readonly ServiceInstance[]): void {
    if (this.checked === current) return;
    this.checked = current;
    this.keys = new Map(current.filter((i) => !this.opts.reachable || this.opts.reachable(i)).map((i) => [i, this.opts.key(i)]));
    const live = new Set(this.keys.values());
    for (const [key, resource] of this.byKey) {
      if (live.has(key)) continue;
      this.byKey.delete(key);
      void Promise.resolve(this.opts.retire(resource)).catch(() => {});
    }
  }
}

/** Whether a circuit breaker lets a request fired now through: closed, or half-open with its one probe not yet sent. */
export function breakerAdmits(breaker: { closed: boolean; pendingClose: boolean }): boolean {
  return breaker.closed || breaker.pendingClose;
}
