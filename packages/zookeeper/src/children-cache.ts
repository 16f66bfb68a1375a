import { SerialRerun } from '@sk/concurrency';
import { EventEmitter } from 'node:events';
import type { ZkSession } from './session.js';

/**
 * The data of every child of one znode, kept current by watches: `change` is emitted with the
 * whole map after any child appears, changes or goes. After a reconnect or a new session it
 * reloads everything (watches may have been lost, changes missed).
 */
export class ChildrenCache extends EventEmitter {
  readonly nodes = new Map<string, Buffer>();
  private childrenArmed = -1;
  private readonly dataArmed = new Map<string, number>();
  private readonly reloads = new SerialRerun(() => this.load());
  private stopped = false;

  constructor(
    private readonly zk: ZkSession,
    readonly path: string,
  ) {
    super();
  }

  async start(): Promise<void> {
    this.zk.on('connected', this.onConnected);
    if (this.zk.connected) await this.reload();
  }

  stop(): void {
    this.stopped = true;
    this.zk.off('connected', this.onConnected);
  }

  private readonly onConnected = () => {
    this.reload().catch((err) => this.emit('error', err));
  };

  /** Re-reads the children and every child's data; a call during a run makes it run once more. */
  reload(): Promise<void> {
    return this.reloads.run();
  }

  private async load(): Promise<void> {
    if (this.stopped || !this.zk.connected) return;
    await this.zk.mkdirp(this.path);
    const generation = this.zk.generation;
    const arm = this.childrenArmed !== generation;
    this.childrenArmed = generation;
    const children =
      (await this.zk.getChildren(this.path, arm ? this.onChildrenEvent : undefined).catch((err: unknown) => {
        // The library keeps a watcher only from a call that succeeded: the next load arms it again.
        if (arm && this.childrenArmed === generation) this.childrenArmed = -1;
        throw err;
      })) ?? [];
    const wanted = new Set(children);
    let changed = false;
    for (const name of [...this.nodes.keys()]) {
      if (!wanted.has(name)) {
        this.nodes.delete(name);
        this.dataArmed.delete(name);
        changed = true;
      }
    }
    const results = await Promise.all(children.map((name) => this.loadChild(name)));
    if (changed || results.some(Boolean)) this.emit('change', this.nodes);
    this.emit('loaded', this.nodes);
  }

  /** Reads one child, arming its data watch once per session; true when its data changed. */
  private async loadChild(name: string): Promise<boolean> {
    const generation = this.zk.generation;
    const arm = this.dataArmed.get(name) !== generation;
    if (arm) this.dataArmed.set(name, generation);
    const node = await this.zk.getData(`${this.path}/${name}`, arm ? this.onDataEvent(name) : undefined).catch((err: unknown) => {
      if (arm && this.dataArmed.get(name) === generation) this.dataArmed.delete(name);
      throw err;
    });
    if (!node) {
      this.dataArmed.delete(name);
      return this.nodes.delete(name);
    }
    const before = this.nodes.get(name);
    if (before && before.equals(node.data)) return false;
    this.nodes.set(name, node.data);
    return true;
  }

  private readonly onChildrenEvent = () => {
    this.childrenArmed = -1;
    this.reload().catch((err) => this.emit('error', err));
  };

  private onDataEvent(name: string) {
    return () => {
      this.dataArmed.delete(name);
      if (this.stopped) return;
      this.loadChild(name)
        .then((changed) => changed && this.emit('change', this.nodes))
        .catch((err) => this.emit('error', err));
    };
  }
}
