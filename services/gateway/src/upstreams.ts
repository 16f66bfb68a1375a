import type CircuitBreaker from 'opossum';
import { Pool } from 'undici';
import type { Balancer, Discovery, ServiceInstance } from '@sk/discovery';
import { admits, type BreakerFactory } from './breakers.js';
import type { OutboundRequest, UpstreamResponse } from './proxy.js';

export interface UpstreamOptions {
  /** Bounds connecting, waiting for the response head and each pause in its body. */
  timeoutMs: number;
  connections?: number;
}

/** Sends one request over an instance's pool; a rejection counts against the instance's breaker. */
export type Sender = (pool: Pool, request: OutboundRequest) => Promise<UpstreamResponse>;

/** One instance picked for a request: the keep-alive pool that reaches it, behind its circuit breaker. */
export interface Upstream {
  instance: ServiceInstance;
  pool: Pool;
  breaker: CircuitBreaker<[OutboundRequest], UpstreamResponse>;
}

export function originOf(instance: ServiceInstance): string {
  return `http://${instance.host}:${instance.port}`;
}

/**
 * The instances of the upstream services as discovery knows them now, picked by the balancer among
 * those whose breaker lets a request through, each reached through its own pool of keep-alive
 * connections. Pools and breakers of instances that left discovery are closed (pools once their
 * in-flight requests are done).
 */
export class Upstreams {
  /** service → origin → upstream */
  private readonly upstreams = new Map<string, Map<string, Upstream>>();
  /** The instance list each service's upstreams were last checked against. */
  private readonly checked = new Map<string, readonly ServiceInstance[]>();

  constructor(
    private readonly discovery: Discovery,
    private readonly balancer: Balancer,
    private readonly breakers: BreakerFactory,
    private readonly send: Sender,
    private readonly opts: UpstreamOptions,
  ) {}

  /** Starts following `services` in discovery; resolves once each was read once. */
  async watch(services: readonly string[]): Promise<void> {
    await Promise.all(services.map((service) => this.discovery.watch(service)));
  }

  /** An instance of `service` (other than `exclude`) whose breaker admits a request; undefined when none is left. */
  pick(service: string, exclude?: ServiceInstance): Upstream | undefined {
    const current = this.discovery.instances(service);
    this.closeDeparted(service, current);
    const byOrigin = this.upstreams.get(service);
    const excluded = exclude && originOf(exclude);
    const usable = (instance: ServiceInstance) => {
      const origin = originOf(instance);
      if (origin === excluded) return false;
      const known = byOrigin?.get(origin);
      return !known || admits(known.breaker);
    };
    const instance = this.balancer.pick(service, current, usable);
    return instance && this.upstreamFor(service, instance);
  }

  async close(): Promise<void> {
    const all = [...this.upstreams.values()].flatMap((byOrigin) => [...byOrigin.values()]);
    this.upstreams.clear();
    for (const { breaker } of all) breaker.shutdown();
    await Promise.all(all.map(({ pool }) => pool.close().catch(() => {})));
  }

  private upstreamFor(service: string, instance: ServiceInstance): Upstream {
    let byOrigin = this.upstreams.get(service);
    if (!byOrigin) this.upstreams.set(service, (byOrigin = new Map()));
    const origin = originOf(instance);
    let upstream = byOrigin.get(origin);
    if (!upstream) {
      const pool = new Pool(origin, {
        connections: this.opts.connections ?? 512,
        pipelining: 1,
        connectTimeout: this.opts.timeoutMs,
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
      });
      const breaker = this.breakers.create(service, instance.id, (request: OutboundRequest) => this.send(pool, request));
      upstream = { instance, pool, breaker };
      byOrigin.set(origin, upstream);
    }
    return upstream;
  }

  /** Discovery hands out a new list on every change, so an unchanged list costs one comparison. */
  private closeDeparted(service: string, current: readonly ServiceInstance[]): void {
    if (this.checked.get(service) === current) return;
    this.checked.set(service, current);
    const byOrigin = this.upstreams.get(service);
    if (!byOrigin) return;
    const live = new Set(current.map(originOf));
    for (const [origin, { pool, breaker }] of byOrigin) {
      if (live.has(origin)) continue;
      byOrigin.delete(origin);
      breaker.shutdown();
      void pool.close().catch(() => {});
    }
  }
}
