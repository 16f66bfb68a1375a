import { SerialRerun } from '@sk/concurrency';
import { ChildrenCache, CreateMode, type ZkSession } from '@sk/zookeeper';
import { serviceInstanceSchema, type Discovery, type ServiceInstance } from './types.js';

/** Instances as ephemeral znodes `<root>/services/<service>/<id>`: a dead process leaves with its session. */
export class ZookeeperDiscovery implements Discovery {
  private readonly caches = new Map<string, { cache: ChildrenCache; instances: ServiceInstance[]; loaded: Promise<void> }>();
  /** Each instance this process registered → the session generation that holds its node (0: none yet). */
  private readonly registered = new Map<ServiceInstance, number>();
  private readonly announcing = new SerialRerun(() => this.announceAll());

  constructor(
    private readonly zk: ZkSession,
    private readonly root: string,
  ) {
    zk.on('connected', this.onConnected);
  }

  get connected(): boolean {
    return this.zk.connected;
  }

  // A new session lost our ephemeral nodes, and an announcement cut off by a lost connection is
  // owed: both are made good on (re)connecting.
  private readonly onConnected = () => {
    this.announcing.run().catch(() => {});
  };

  async register(instance: ServiceInstance): Promise<void> {
    this.registered.set(instance, 0);
    if (this.zk.connected) await this.announcing.run();
  }

  private async announceAll(): Promise<void> {
    for (const [instance, announcedIn] of this.registered) {
      const generation = this.zk.generation;
      if (announcedIn === generation || !this.zk.connected) continue;
      await this.announce(instance);
      this.registered.set(instance, generation);
    }
  }

  private async announce(instance: ServiceInstance): Promise<void> {
    const dir = `${this.root}/services/${instance.service}`;
    const path = `${dir}/${instance.id}`;
    await this.zk.mkdirp(dir);
    // A node left by our previous, not yet expired session would vanish with it: replace it.
    await this.zk.remove(path);
    await this.zk.create(path, Buffer.from(JSON.stringify(instance)), CreateMode.EPHEMERAL);
  }

  instances(service: string): readonly ServiceInstance[] {
    return this.caches.get(service)?.instances ?? [];
  }

  watch(service: string): Promise<void> {
    let entry = this.caches.get(service);
    if (!entry) {
      const cache = new ChildrenCache(this.zk, `${this.root}/services/${service}`);
      const loaded = new Promise<void>((resolve) => cache.once('loaded', () => resolve()));
      entry = { cache, instances: [], loaded };
      const target = entry;
      cache.on('change', (nodes: Map<string, Buffer>) => {
        target.instances = [...nodes.values()].flatMap((data) => {
          const parsed = serviceInstanceSchema.safeParse(safeJson(data));
          return parsed.success ? [parsed.data] : [];
        });
      });
      cache.on('error', () => {});
      this.caches.set(service, entry);
      void cache.start().catch(() => {});
    }
    return entry.loaded;
  }

  async close(): Promise<void> {
    this.zk.off('connected', this.onConnected);
    for (const { cache } of this.caches.values()) cache.stop();
    await Promise.all([...this.registered.keys()].map((i) => this.zk.remove(`${this.root}/services/${i.service}/${i.id}`).catch(() => {})));
  }
}

function safeJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
}
