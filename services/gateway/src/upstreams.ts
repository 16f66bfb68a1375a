import { Pool } from 'undici';
import type { Balancer, Discovery, ServiceInstance } from '@sk/discovery';

export interface UpstreamOptions {
  /** Bounds connecting, waiting for the response head and each pause in its body. */
  timeoutMs: number;
  connections?: number;
}

/** One instance picked for a request, with the keep-alive pool that reaches it. */
export interface Upstream {
  instance: ServiceInstance;
  pool: Pool;
}

export function originOf(instance: ServiceInstance): string {
  return `http://${instance.host}:${instance.port}`;
}

/**
 * The instances of the upstream services as discovery knows them now, picked by the balancer,
 * each reached through its own pool of keep-alive connections. Pools of instances that left
 * discovery are closed once their in-flight requests are done.
 */
export class Upstreams {
  /** service → origin → pool */
  private readonly pools = new Map<string, Map<string, Pool>>();
  /** The instance list each service's pools were last checked against. */
  private readonly checked = new Map<string, readonly ServiceInstance[]>();

  constructor(
    private readonly discovery: Discovery,
    private readonly balancer: Balancer,
    private readonly opts: UpstreamOptions,
  ) {}

  /** Starts following `services` in discovery; resolves once each was read once. */
  async watch(services: readonly string[]): Promise<void> {
    await Promise.all(services.map((service) => this.discovery.watch(service)));
  }

  /** An instance of `service` (other than `exclude`) with its pool; undefined when none is left. */
  pick(service: string, exclude?: ServiceInstance): Upstream | undefined {
    const current = this.discovery.instances(service);
    this.closeDeparted(service, current);
    const excluded = exclude && originOf(exclude);
    const candidates = excluded ? current.filter((i) => originOf(i) !== excluded) : current;
    const instance = this.balancer.pick(service, candidates);
    return instance && { instance, pool: this.poolFor(service, instance) };
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()].flatMap((byOrigin) => [...byOrigin.values()]);
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close().catch(() => {})));
  }

  private poolFor(service: string, instance: ServiceInstance): Pool {
    let byOrigin = this.pools.get(service);
    if (!byOrigin) this.pools.set(service, (byOrigin = new Map()));
    const origin = originOf(instance);
    let pool = byOrigin.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.opts.connections ?? 512,
        pipelining: 1,
        connectTimeout: this.opts.timeoutMs,
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
      });
      byOrigin.set(origin, pool);
    }
    return pool;
  }

  /** Discovery hands out a new list on every change, so an unchanged list costs one comparison. */
  private closeDeparted(service: string, current: readonly ServiceInstance[]): void {
    if (this.checked.get(service) === current) return;
    this.checked.set(service, current);
    const byOrigin = this.pools.get(service);
    if (!byOrigin) return;
    const live = new Set(current.map(originOf));
    for (const [origin, pool] of byOrigin) {
      if (live.has(origin)) continue;
      byOrigin.delete(origin);
      void pool.close().catch(() => {});
    }
  }
}
