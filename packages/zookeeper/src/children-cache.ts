import { SerialRerun } from '@sk/concurrency';
import { EventEmitter } from 'node:events';
import type { ZkSession } from './session.js';

/** The key of the children list's watch; no child is named by the empty string. */
const LIST = '';

/**
 * The data of every child of one znode, kept current by watches: `change` is emitted with the
 * whole map after any child appears, changes or goes. After a reconnect or a new session it
 * reloads everything (watches may have been lost, changes missed).
 */
export class ChildrenCache extends EventEmitter {
  readonly nodes = new Map<string, Buffer>();
  /** Per node watched (LIST for the children, else a child's name): the session generation it is armed in. */
  private readonly armed = new Map<string, number>();
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
    const children = (await this.watchedRead(LIST, (arm) => this.zk.getChildren(this.path, arm ? this.onChildrenEvent : undefined))) ?? [];
    const wanted = new Set(children);
    let changed = false;
    for (const name of [...this.nodes.keys()]) {
      if (!wanted.has(name)) {
        this.nodes.delete(name);
        this.armed.delete(name);
        changed = true;
      }
    }
    const results = await Promise.all(children.map((name) => this.loadChild(name)));
    if (changed || results.some(Boolean)) this.emit('change', this.nodes);
    this.emit('loaded', this.nodes);
  }

  /** Reads one child, arming its data watch once per session; true when its data changed. */
  private async loadChild(name: string): Promise<boolean> {
    const node = await this.watchedRead(name, (arm) => this.zk.getData(`${this.path}/${name}`, arm ? this.onDataEvent(name) : undefined));
    if (!node) {
      this.armed.delete(name);
      return this.nodes.delete(name);
    }
    const before = this.nodes.get(name);
    if (before && before.equals(node.data)) return false;
    this.nodes.set(name, node.data);
    return true;
  }

  /** `read`, arming the node's watch with it unless one is armed in this session already. */
  private async watchedRead<T>(key: string, read: (arm: boolean) => Promise<T>): Promise<T> {
    const generation = this.zk.generation;
    const arm = this.armed.get(key) !== generation;
    if (arm) this.armed.set(key, generation);
    try {
      return await read(arm);
    } catch (err) {
      // The library keeps a watcher only from a call that succeeded: the next read arms it again.
      if (arm && this.armed.get(key) === generation) this.armed.delete(key);
      throw err;
    }
  }

  private readonly onChildrenEvent = () => {
    this.armed.delete(LIST);
    this.reload().catch((err) => this.emit('error', err));
  };

  private onDataEvent(name: string) {
    return () => {
      this.armed.delete(name);
      if (this.stopped) return;
      this.loadChild(name)
        .then((changed) => changed && this.emit('change', this.nodes))
        .catch((err) => this.emit('error', err));
    };
  }
}
