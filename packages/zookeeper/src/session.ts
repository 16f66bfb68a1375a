import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import zookeeper, { type Client, type Event, type Stat } from 'node-zookeeper-client';

export const { CreateMode, Exception } = zookeeper;

export interface ZkOptions {
  hosts: string;
  sessionTimeoutMs?: number;
}

export interface ZkNode {
  data: Buffer;
  version: number;
}

/**
 * One ZooKeeper session that survives expiry: the library reconnects by itself within a session,
 * but an expired session is dead for good, so a new client is made and `generation` moves on, for
 * owners of ephemeral nodes and watches to rebuild on `connected`. `connected`/`disconnected`
 * report the link.
 */
export class ZkSession extends EventEmitter {
  private client!: Client;
  private closed = false;
  connected = false;
  /** Bumped on each new session: watches armed under an older one are gone. */
  generation = 0;

  constructor(private readonly opts: ZkOptions) {
    super();
    this.setMaxListeners(100);
    this.open();
  }

  private open(): void {
    const client = zookeeper.createClient(this.opts.hosts, {
      sessionTimeout: this.opts.sessionTimeoutMs ?? 10_000,
      spinDelay: 500,
      retries: 0,
    });
    this.client = client;
    let firstConnect = true;
    client.on('state', (state) => {
      if (client !== this.client) return;
      if (state === zookeeper.State.SYNC_CONNECTED || state === zookeeper.State.CONNECTED_READ_ONLY) {
        this.connected = true;
        if (firstConnect) {
          firstConnect = false;
          this.generation += 1;
        }
        this.emit('connected');
      } else if (state === zookeeper.State.DISCONNECTED) {
        this.connected = false;
        this.emit('disconnected');
      } else if (state === zookeeper.State.EXPIRED) {
        this.connected = false;
        this.emit('disconnected');
        client.close();
        if (!this.closed) this.open();
      }
    });
    client.connect();
    this.watchHandshakes(client);
  }

  /**
   * node-zookeeper-client bounds a TCP connect but not the handshake after it: a server still
   * starting up can take the socket and never answer, and the client then waits forever while its
   * session expires on the server. An attempt unanswered for a fifth of the session timeout is cut,
   * so the library's own retry, with the same session, still fits in the session.
   */
  private watchHandshakes(client: Client): void {
    const limitMs = Math.max(500, Math.floor((this.opts.sessionTimeoutMs ?? 10_000) / 5));
    let waiting: Socket | undefined;
    let since = 0;
    const timer = setInterval(() => {
      if (client !== this.client || this.closed) return clearInterval(timer);
      const socket = this.connected ? undefined : handshakeSocket(client);
      if (socket !== waiting) {
        waiting = socket;
        since = Date.now();
      } else if (socket && Date.now() - since >= limitMs) {
        socket.destroy();
      }
    }, limitMs / 4);
    timer.unref();
  }

  /** Resolves once connected; rejects after `timeoutMs` (the client keeps trying in the background). */
  waitConnected(timeoutMs = 15_000): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('connected', onConnected);
        reject(new Error(`ZooKeeper ${this.opts.hosts} not reachable within ${timeoutMs} ms`));
      }, timeoutMs);
      const onConnected = () => {
        clearTimeout(timer);
        resolve();
      };
      this.once('connected', onConnected);
    });
  }

  close(): void {
    this.closed = true;
    this.connected = false;
    this.client.close();
  }

  mkdirp(path: string): Promise<void> {
    return new Promise((resolve, reject) => this.client.mkdirp(path, (err) => (err ? reject(err) : resolve())));
  }

  getData(path: string, watcher?: (event: Event) => void): Promise<ZkNode | null> {
    return new Promise((resolve, reject) => {
      const cb = (err: Error | null, data: Buffer, stat: Stat) => {
        if (err) return isCode(err, Exception.NO_NODE) ? resolve(null) : reject(err);
        resolve({ data: data ?? Buffer.alloc(0), version: stat.version });
      };
      if (watcher) this.client.getData(path, watcher, cb as never);
      else this.client.getData(path, cb as never);
    });
  }

  getChildren(path: string, watcher?: (event: Event) => void): Promise<string[] | null> {
    return new Promise((resolve, reject) => {
      const cb = (err: Error | null, children: string[]) => {
        if (err) return isCode(err, Exception.NO_NODE) ? resolve(null) : reject(err);
        resolve(children);
      };
      if (watcher) this.client.getChildren(path, watcher, cb as never);
      else this.client.getChildren(path, cb as never);
    });
  }

  /** Creates a node; `null` when it already exists. */
  create(path: string, data: Buffer, mode: number = CreateMode.PERSISTENT): Promise<string | null> {
    return new Promise((resolve, reject) =>
      this.client.create(path, data, mode, (err, created) => {
        if (err) return isCode(err, Exception.NODE_EXISTS) ? resolve(null) : reject(err);
        resolve(created);
      }),
    );
  }

  /** Writes only if the node is still at `version`; `null` on a version conflict. */
  setData(path: string, data: Buffer, version: number): Promise<number | null> {
    return new Promise((resolve, reject) =>
      this.client.setData(path, data, version, (err, stat) => {
        if (err) return isCode(err, Exception.BAD_VERSION) ? resolve(null) : reject(err);
        resolve(stat.version);
      }),
    );
  }

  remove(path: string, version = -1): Promise<void> {
    return new Promise((resolve, reject) =>
      this.client.remove(path, version, (err) => (err && !isCode(err, Exception.NO_NODE) ? reject(err) : resolve())),
    );
  }
}

/** The socket of the attempt under way once TCP is up (the library's own field, 1.1.x). */
function handshakeSocket(client: Client): Socket | undefined {
  const socket = (client as unknown as { connectionManager?: { socket?: Socket } }).connectionManager?.socket;
  return socket && !socket.connecting && !socket.destroyed ? socket : undefined;
}

export function isCode(err: unknown, code: number): boolean {
  return typeof (err as { getCode?: () => number })?.getCode === 'function' && (err as { getCode: () => number }).getCode() === code;
}

/** What a tracer records of a session's calls (see Tracing.instrument): the operation and its path. */
export const ZK_TRACED_CALLS = {
  methods: ['create', 'setData', 'getData', 'getChildren', 'mkdirp', 'remove'],
  describe: (operation: string, args: readonly unknown[]) => ({ name: operation, tags: { 'zk.path': String(args[0]) } }),
} as const;
