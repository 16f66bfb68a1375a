import type CircuitBreaker from 'opossum';
import { Pool } from 'undici';
import { InstanceResources, breakerAdmits, type Balancer, type Discovery, type ServiceInstance } from '@sk/discovery';
import type { BreakerFactory } from './breakers.js';
import type { OutboundRequest, UpstreamResponse } from './outbound.js';

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
  private readonly services = new Map<string, InstanceResources<Upstream>>();

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
    return this.of(service).pick(exclude);
  }

  async close(): Promise<void> {
    const all = [...this.services.values()];
    this.services.clear();
    await Promise.all(all.map((upstreams) => upstreams.close()));
  }

  private of(service: string): InstanceResources<Upstream> {
    let upstreams = this.services.get(service);
    if (!upstreams) {
      upstreams = new InstanceResources(this.discovery, this.balancer, service, {
        key: originOf,
        make: (instance) => this.open(service, instance),
        retire: ({ pool, breaker }) => {
          breaker.shutdown();
          return pool.close().catch(() => {});
        },
        admits: ({ breaker }) => breakerAdmits(breaker),
      });
      this.services.set(service, upstreams);
    }
    return upstreams;
  }

  private open(service: string, instance: ServiceInstance): Upstream {
    const pool = new Pool(originOf(instance), {
      connections: this.opts.connections ?? 512,
      pipelining: 1,
      connectTimeout: this.opts.timeoutMs,
      headersTimeout: this.opts.timeoutMs,
      bodyTimeout: this.opts.timeoutMs,
    });
    const breaker = this.breakers.create(service, instance.id, (request: OutboundRequest) => this.send(pool, request));
    return { instance, pool, breaker };
  }
}
