import { setTimeout as sleep } from 'node:timers/promises';
import Consul from 'consul';
import { z } from 'zod';
import { serviceInstanceSchema, type Discovery, type ServiceInstance } from './types.js';

export interface ConsulDiscoveryOptions {
  /** How often the agent calls `/health`; with `checkTimeout` it bounds how long a dead instance stays passing. */
  checkInterval?: string;
  checkTimeout?: string;
  /** The agent drops an instance critical for this long (one that died without deregistering). */
  deregisterCriticalAfter?: string;
  /** Longest a blocking query is held by Consul before it answers unchanged. */
  wait?: string;
  /** How often registrations are compared with the agent's, to restore them after an agent restart. */
  resyncMs?: number;
  /** Cap of the exponential backoff while Consul is unreachable. */
  backoffMaxMs?: number;
  /** Bound of every request but the blocking queries, which are bounded by `wait`. */
  requestTimeoutMs?: number;
}

const BACKOFF_BASE_MS = 100;

// What this client reads of /v1/health/service/<name>; Consul sends much more.
const healthEntrySchema = z.object({
  Node: z.object({ Address: z.string() }),
  Service: z.object({
    ID: z.string(),
    Service: z.string(),
    Address: z.string(),
    Port: z.number(),
    Meta: z.record(z.string(), z.string()).nullish(),
  }),
});

interface Watched {
  watch?: ReturnType<Consul['watch']>;
  instances: ServiceInstance[];
  loaded: Promise<void>;
  markLoaded: () => void;
}

/**
 * Instances as services of the local Consul agent, each with an HTTP check on `/health`; watchers
 * follow the passing ones with blocking queries. While Consul is unreachable the last lists stay
 * in use, and registrations the agent lost (a restart) are made again once it answers.
 */
export class ConsulDiscovery implements Discovery {
  private readonly consul: Consul;
  private readonly registered = new Map<string, ServiceInstance>();
  private readonly watched = new Map<string, Watched>();
  private readonly stopping = new AbortController();
  private readonly resyncing: Promise<void>;
  private readonly opts: Required<ConsulDiscoveryOptions>;
  private reachable = false;

  constructor(url: string, options: ConsulDiscoveryOptions = {}) {
    this.opts = {
      checkInterval: '5s',
      checkTimeout: '2s',
      deregisterCriticalAfter: '1m',
      wait: '30s',
      resyncMs: 5_000,
      backoffMaxMs: 5_000,
      requestTimeoutMs: 3_000,
      ...options,
    };
    const parsed = new URL(url);
    const secure = parsed.protocol === 'https:';
    // `timeout` is papi's client-wide default (absent from consul's typings); watches set their own.
    const clientOptions = {
      host: parsed.hostname,
      port: Number(parsed.port || (secure ? 443 : 80)),
      secure,
      timeout: this.opts.requestTimeoutMs,
    };
    this.consul = new Consul(clientOptions);
    this.resyncing = this.resync();
  }

  get connected(): boolean {
    return this.reachable;
  }

  async register(instance: ServiceInstance): Promise<void> {
    try {
      await this.announce(instance);
      this.reachable = true;
    } catch (err) {
      // Refused by Consul: a misconfiguration to report. Unreachable: the resync loop retries.
      if (isRefusal(err)) throw err;
      this.reachable = false;
    }
    this.registered.set(instance.id, instance);
  }

  private async announce(instance: ServiceInstance): Promise<void> {
    const meta: Record<string, string> = { weight: String(instance.weight) };
    if (instance.grpcPort) meta.grpc_port = String(instance.grpcPort);
    await this.consul.agent.service.register({
      id: instance.id,
      name: instance.service,
      address: instance.host,
      port: instance.port,
      meta,
      check: {
        name: `${instance.service} /health`,
        http: `http://${instance.host}:${instance.port}/health`,
        interval: this.opts.checkInterval,
        timeout: this.opts.checkTimeout,
        deregistercriticalserviceafter: this.opts.deregisterCriticalAfter,
      },
    });
  }

  /** Re-registers what the agent does not know (it forgets registrations when restarted); backs off while it is down. */
  private async resync(): Promise<void> {
    let pause = this.opts.resyncMs;
    let failures = 0;
    // Pauses first: nothing is registered yet, and `register` announces by itself.
    while (await sleep(pause, true, { signal: this.stopping.signal }).catch(() => false)) {
      try {
        // Only what was registered before asking: one registered meanwhile may be missing from the answer.
        const expected = [...this.registered.values()];
        const known = await this.consul.agent.service.list();
        for (const instance of expected) {
          if (!(instance.id in known)) await this.announce(instance);
        }
        this.reachable = true;
        failures = 0;
        pause = this.opts.resyncMs;
      } catch {
        this.reachable = false;
        failures += 1;
        pause = this.backoff(failures);
      }
    }
  }

  instances(service: string): readonly ServiceInstance[] {
    return this.watched.get(service)?.instances ?? [];
  }

  watch(service: string): Promise<void> {
    let entry = this.watched.get(service);
    if (!entry) {
      let markLoaded!: () => void;
      const loaded = new Promise<void>((resolve) => (markLoaded = resolve));
      entry = { instances: [], loaded, markLoaded };
      this.watched.set(service, entry);
      this.follow(service, entry, 0);
    }
    return entry.loaded;
  }

  /**
   * Runs the client's watch helper (blocking queries on X-Consul-Index with `wait`) until its first
   * error, then a new one after a backoff: it starts again at index 0, so an agent restarted in
   * between, whose indexes started over, answers at once instead of holding a query for an index
   * it will not reach for long. The last list stays in use meanwhile.
   */
  private follow(service: string, target: Watched, failures: number): void {
    if (this.stopping.signal.aborted) return;
    const watch = this.consul.watch({
      method: this.consul.health.service,
      options: { service, passing: 'true', wait: this.opts.wait },
      maxAttempts: 0,
    });
    target.watch = watch;
    watch.on('change', (entries: unknown) => {
      target.instances = toInstances(entries);
      this.reachable = true;
      failures = 0;
      target.markLoaded();
    });
    watch.on('error', () => {
      this.reachable = false;
      void sleep(this.backoff(failures + 1), undefined, { signal: this.stopping.signal }).then(
        () => this.follow(service, target, failures + 1),
        () => {},
      );
    });
  }

  private backoff(failures: number): number {
    return Math.min(this.opts.backoffMaxMs, BACKOFF_BASE_MS * 2 ** failures);
  }

  async close(): Promise<void> {
    this.stopping.abort();
    for (const { watch } of this.watched.values()) watch?.end();
    // Once the loop is over it cannot re-register what is being deregistered here.
    await this.resyncing;
    await Promise.all([...this.registered.keys()].map((id) => this.consul.agent.service.deregister(id).catch(() => {})));
    this.registered.clear();
    this.consul.destroy();
  }
}

function toInstances(entries: unknown): ServiceInstance[] {
  const parsed = z.array(z.unknown()).safeParse(entries);
  if (!parsed.success) return [];
  return parsed.data.flatMap((raw) => {
    const entry = healthEntrySchema.safeParse(raw);
    if (!entry.success) return [];
    const { Node, Service } = entry.data;
    const meta = Service.Meta ?? {};
    const instance = serviceInstanceSchema.safeParse({
      id: Service.ID,
      service: Service.Service,
      // Consul leaves Address empty for a service registered without one: the node's is meant.
      host: Service.Address || Node.Address,
      port: Service.Port,
      ...(meta.weight ? { weight: Number(meta.weight) } : {}),
      ...(meta.grpc_port ? { grpcPort: Number(meta.grpc_port) } : {}),
    });
    return instance.success ? [instance.data] : [];
  });
}

function isRefusal(err: unknown): boolean {
  const status = (err as { response?: { statusCode?: number } } | undefined)?.response?.statusCode;
  return status !== undefined && status >= 400 && status < 500;
}
