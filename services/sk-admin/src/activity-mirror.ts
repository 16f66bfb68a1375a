import { SerialRerun } from '@sk/concurrency';
import type { FastifyBaseLogger } from 'fastify';
import { parseActivity, zkPaths, type ActivityConfig } from '@sk/seckill';
import type { ZkSession } from '@sk/zookeeper';
import type { ActivityStore } from './activity-store.js';

export type MirrorState = 'done' | 'pending';

export class MirrorError extends Error {
  override readonly name = 'MirrorError';
}

/** Writes one activity's config to its own znode with versioned writes. */
export class ActivityMirror {
  private readonly paths: ReturnType<typeof zkPaths>;

  constructor(
    readonly zk: ZkSession,
    root: string,
    private readonly maxAttempts = 5,
  ) {
    this.paths = zkPaths(root);
  }

  /**
   * Makes the znode hold `config`, unless it already holds exactly that or a newer MySQL version.
   * A concurrent writer makes create/setData fail; the node is then read again and the write
   * retried, a bounded number of times. Throws when ZooKeeper did not take it.
   */
  async publish(config: ActivityConfig): Promise<void> {
    if (!this.zk.connected) throw new MirrorError('ZooKeeper not connected');
    const path = this.paths.activity(config.activity_id);
    const data = Buffer.from(JSON.stringify(config));
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const node = await this.zk.getData(path);
      if (!node) {
        await this.zk.mkdirp(this.paths.activities);
        if ((await this.zk.create(path, data)) !== null) return;
        continue;
      }
      const held = parseActivity(node.data);
      if (node.data.equals(data) || (held && held.version > config.version)) return;
      if ((await this.zk.setData(path, data, node.version)) !== null) return;
    }
    throw new MirrorError(`${path} kept changing under ${this.maxAttempts} attempts to write version ${config.version}`);
  }
}

export interface ReconcilerOptions {
  intervalMs: number;
  /** How long a create or patch waits for its mirror before answering `pending`. */
  immediateTimeoutMs?: number;
  /** How long the reconciler waits for one activity before moving to the next. */
  reconcileTimeoutMs?: number;
  batchSize?: number;
}

/**
 * Keeps ZooKeeper in step with MySQL: mirrors a change right after it is written and, at start,
 * every `intervalMs` and on every (re)connect, every activity whose `mirrored_version < version`.
 * `mirrored_version` moves only after ZooKeeper took the write, so nothing is reported done early.
 */
export class MirrorReconciler {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly passes = new SerialRerun(() => this.pass());
  private readonly opts: Required<ReconcilerOptions>;

  constructor(
    private readonly store: ActivityStore,
    private readonly mirror: ActivityMirror,
    private readonly log: FastifyBaseLogger,
    opts: ReconcilerOptions,
  ) {
    this.opts = { immediateTimeoutMs: 1_500, reconcileTimeoutMs: 5_000, batchSize: 500, ...opts };
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.mirror.zk.on('connected', this.trigger);
    this.timer = setInterval(this.trigger, this.opts.intervalMs);
    this.timer.unref();
    this.trigger();
  }

  /** Stops the schedule and waits for a pass under way (it ends after the activity in hand). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.mirror.zk.off('connected', this.trigger);
    clearInterval(this.timer);
    this.timer = undefined;
    await this.passes.idle();
  }

  /** Mirrors a just-written activity; `pending` if that did not happen in time (the reconciler carries on). */
  mirrorNow(config: ActivityConfig): Promise<MirrorState> {
    return this.attempt(config, this.opts.immediateTimeoutMs);
  }

  /** One pass over every unmirrored activity; a call during a pass makes it run once more. */
  reconcile(): Promise<void> {
    return this.passes.run();
  }

  private readonly trigger = () => {
    this.reconcile().catch((err) => this.log.warn({ err }, 'mirror reconciliation failed'));
  };

  private async pass(): Promise<void> {
    // While disconnected nothing can succeed; the 'connected' event starts the next pass.
    let afterId = 0;
    const goOn = () => this.mirror.zk.connected && !this.stopped;
    while (goOn()) {
      const batch = await this.store.unmirrored(afterId, this.opts.batchSize);
      for (const record of batch) {
        if (!goOn()) return;
        await this.attempt(record.config, this.opts.reconcileTimeoutMs);
      }
      const last = batch.at(-1);
      if (!last || batch.length < this.opts.batchSize) return;
      afterId = last.config.activity_id;
    }
  }

  /** Publishes, then records the mirrored version; a late outcome still lands (and failures are logged). */
  private async attempt(config: ActivityConfig, timeoutMs: number): Promise<MirrorState> {
    const sync = this.mirror.publish(config).then(() => this.store.markMirrored(config.activity_id, config.version));
    const outcome = sync.then(
      (): MirrorState => 'done',
      (err: unknown): MirrorState => {
        this.log.warn({ err, activityId: config.activity_id, version: config.version }, 'activity not mirrored to ZooKeeper yet');
        return 'pending';
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<MirrorState>((resolve) => {
      timer = setTimeout(() => resolve('pending'), timeoutMs);
    });
    try {
      return await Promise.race([outcome, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
