import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import zookeeper, { type ACL, type Client, type Event, type Stat, type State } from 'node-zookeeper-client';
import { OPEN_ACL, isAcl, isEphemeral, ownerOnlyAcl } from './acl.js';

export const { CreateMode, Exception } = zookeeper;

const EMPTY = Buffer.alloc(0);

export interface ZkOptions {
  hosts: string;
  sessionTimeoutMs?: number;
  /**
   * Digest credentials ("user:password") and the root of the suite's tree: the session
   * authenticates with them, and every node at or under `root` gives every permission to that
   * identity and none to anyone else. Without them, nodes are open to anyone (ZooKeeper's default).
   */
  auth?: { credentials: string; root: string };
}

export interface ZkNode {
  data: Buffer;
  version: number;
}

/**
 * One ZooKeeper session that survives expiry: the library reconnects by itself within a session,
 * but an expired session is dead for good, so a new client is made and `generation` moves on, for
 * owners of ephemeral nodes and watches to rebuild on `connected`. `connected`/`disconnected`
 * report the link; with credentials, a new session is `connected` once the root is theirs.
 */
export class ZkSession extends EventEmitter {
  private client!: Client;
  private closed = false;
  connected = false;
  /** Bumped on each new session: watches armed under an older one are gone. */
  generation = 0;
  /** The ACL of the nodes at and under the root. */
  private readonly rootAcl: readonly ACL[];
  /** The session generation in which the root was claimed (see claimRoot). */
  private claimedIn = 0;
  /** Bumped on each change of the link: a claim that ends after a newer change announces nothing. */
  private linkChanges = 0;

  /** The session a service's configuration describes (@sk/config's zookeeperEnv). */
  static fromConfig(config: { ZK_HOSTS: string; ZK_ROOT: string; ZK_SESSION_TIMEOUT_MS: number; ZK_AUTH?: string | undefined }): ZkSession {
    return new ZkSession({
      hosts: config.ZK_HOSTS,
      sessionTimeoutMs: config.ZK_SESSION_TIMEOUT_MS,
      ...(config.ZK_AUTH ? { auth: { credentials: config.ZK_AUTH, root: config.ZK_ROOT } } : {}),
    });
  }

  constructor(private readonly opts: ZkOptions) {
    super();
    this.setMaxListeners(100);
    this.rootAcl = opts.auth ? ownerOnlyAcl(opts.auth.credentials) : OPEN_ACL;
    this.open();
  }

  private open(): void {
    const client = zookeeper.createClient(this.opts.hosts, {
      sessionTimeout: this.opts.sessionTimeoutMs ?? 10_000,
      spinDelay: 500,
      retries: 0,
    });
    // Kept by the client and sent again on each connection it makes within the session.
    if (this.opts.auth) client.addAuthInfo('digest', Buffer.from(this.opts.auth.credentials));
    this.client = client;
    let firstConnect = true;
    client.on('state', (state) => {
      if (client !== this.client) return;
      const change = ++this.linkChanges;
      if (isLinked(state)) {
        if (firstConnect) {
          firstConnect = false;
          this.generation += 1;
        }
        const claimed = this.claimRoot();
        if (!claimed) this.announceConnected();
        else void claimed.then(() => change === this.linkChanges && this.announceConnected());
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

  private announceConnected(): void {
    if (this.closed) return;
    this.connected = true;
    this.emit('connected');
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
      const socket = isLinked(client.getState()) ? undefined : handshakeSocket(client);
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

  /** Creates `path` and each missing parent, each with the ACL of its place (see aclFor). */
  async mkdirp(path: string): Promise<void> {
    let at = '';
    for (const name of path.split('/').slice(1)) {
      at += `/${name}`;
      await this.createNode(at, EMPTY, CreateMode.PERSISTENT);
    }
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
    return this.createNode(path, data, mode);
  }

  private createNode(path: string, data: Buffer, mode: number): Promise<string | null> {
    return new Promise((resolve, reject) =>
      this.client.create(path, data, [...this.aclFor(path)], mode, (err, created) => {
        if (err) return isCode(err, Exception.NODE_EXISTS) ? resolve(null) : reject(err);
        resolve(created);
      }),
    );
  }

  /** The root's ACL at and under the root; above it (a parent the root shares with others) the default. */
  private aclFor(path: string): readonly ACL[] {
    const root = this.opts.auth?.root;
    return root && (path === root || path.startsWith(`${root}/`)) ? this.rootAcl : OPEN_ACL;
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

  /**
   * With credentials, once per session: makes the root, and makes its tree theirs alone, for nodes
   * left open by a run without credentials or made by anyone while the root was open (a new session
   * may also be on a server that lost its data); `undefined` when there is nothing to do. A claim
   * cut short by a lost connection is made again on the next connect; any other failure (a node the
   * credentials may not change) is a process warning, and the session goes on as far as ACLs let it.
   */
  private claimRoot(): Promise<void> | undefined {
    const root = this.opts.auth?.root;
    const generation = this.generation;
    if (!root || this.claimedIn === generation) return undefined;
    return this.mkdirp(root)
      .then(() => this.lockTree(root))
      .then(
        () => {
          this.claimedIn = generation;
        },
        (err: unknown) => {
          if (this.closed || isCode(err, Exception.CONNECTION_LOSS) || isCode(err, Exception.SESSION_EXPIRED)) return;
          process.emitWarning(
            `ZooKeeper: ${root}'s tree not locked to the session's credentials (wrong ones, or a node whose ACL leaves them out): ${String(err)}`,
            'ZooKeeperAclWarning',
          );
        },
      );
  }

  /** Locks `path`, then each child: no open child can be added under a node once it is locked. */
  private async lockTree(path: string): Promise<void> {
    const node = await this.getAcl(path);
    if (!node || !(await this.lockNode(path, node.acl, node.stat))) return;
    const children = (await this.getChildren(path)) ?? [];
    await Promise.all(children.map((child) => this.lockTree(`${path}/${child}`)));
  }

  /** Gives a node the root's ACL; false when it was an ephemeral node of someone else's, now removed. */
  private async lockNode(path: string, acl: readonly ACL[], stat: Stat): Promise<boolean> {
    if (isAcl(acl, this.rootAcl)) return true;
    // An instance registered by a session that does not hold the credentials: nothing to trust.
    if (isEphemeral(stat)) {
      await this.remove(path);
      return false;
    }
    // Gone meanwhile (another instance's claim, say): nothing left to lock.
    await new Promise<void>((resolve, reject) =>
      this.client.setACL(path, [...this.rootAcl], -1, (err) => (err && !isCode(err, Exception.NO_NODE) ? reject(err) : resolve())),
    );
    return true;
  }

  private getAcl(path: string): Promise<{ acl: ACL[]; stat: Stat } | null> {
    return new Promise((resolve, reject) =>
      this.client.getACL(path, (err, acl, stat) => {
        if (err) return isCode(err, Exception.NO_NODE) ? resolve(null) : reject(err);
        resolve({ acl, stat });
      }),
    );
  }
}

/** Whether the client has a live link to a server (whatever this session has announced). */
function isLinked(state: State): boolean {
  return state === zookeeper.State.SYNC_CONNECTED || state === zookeeper.State.CONNECTED_READ_ONLY;
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
