import { Cluster, Redis as NodeRedis } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import type { Redis } from './redis.js';

export interface ReplicaAckOptions {
  /** Replicas that must hold a write before it counts as safe; 0 confirms at once. */
  replicas: number;
  /** How long to wait for them before the write counts as unconfirmed. */
  timeoutMs: number;
}

/** How long a master's count of connected replicas is believed. */
const ROLE_TTL_MS = 1_000;

/** The Redis Cluster hash slot (0–16383) of a key: its hash tag's when it has one. */
export function keySlot(key: string): number {
  return calculateSlot(key);
}

/**
 * Confirms that writes survive a failover. Redis replicates asynchronously: a master that dies can
 * take its last writes with it, and its replica, promoted, never had them. `confirm(key)` sends WAIT
 * on this client's connection to the master serving `key` (WAIT waits for what the master had
 * written when that connection's last command ran: the client's writes, and whatever it read), and
 * answers true once `replicas` replicas hold them; false when they did not within the timeout, when
 * the master has fewer replicas connected (at once: a replica cut off from its master may still be
 * promoted, without the writes), or when the node is no longer that slot's master.
 */
export class ReplicaAcks {
  private readonly connected = new WeakMap<NodeRedis, { count: number | undefined; at: number }>();

  constructor(
    private readonly redis: Redis,
    private readonly opts: ReplicaAckOptions,
  ) {}

  /** True when the writes this client made on `key`'s node are on enough replicas. Rejects if the node is unreachable. */
  async confirm(key: string): Promise<boolean> {
    const { replicas, timeoutMs } = this.opts;
    if (replicas === 0) return true;
    const node = this.masterOf(key);
    if (!node || ((await this.replicasOf(node)) ?? 0) < replicas) return false;
    return ((await node.wait(replicas, timeoutMs)) as number) >= replicas;
  }

  /** The connection that serves `key`: the client itself, or on a cluster its connection to the slot's master. */
  private masterOf(key: string): NodeRedis | undefined {
    if (!(this.redis instanceof Cluster)) return this.redis;
    const master = this.redis.slots[keySlot(key)]?.[0];
    return this.redis.nodes('master').find((node) => `${node.options.host}:${node.options.port}` === master);
  }

  /** The replicas connected to `node`, or undefined when it is not a master. */
  private async replicasOf(node: NodeRedis): Promise<number | undefined> {
    const known = this.connected.get(node);
    const now = Date.now();
    if (known && now - known.at < ROLE_TTL_MS) return known.count;
    // ROLE on a master: ['master', offset, [[ip, port, offset], …]]
    const role = (await node.role()) as [string, number, unknown[]];
    const count = role[0] === 'master' ? role[2].length : undefined;
    this.connected.set(node, { count, at: now });
    return count;
  }
}

/** ReplicaAcks' options from a service's settings: REDIS_WAIT_REPLICAS, else 1 on a cluster and 0 on a single Redis. */
export function replicaAckOptions(config: {
  REDIS_WAIT_REPLICAS?: number | undefined;
  REDIS_WAIT_MS: number;
  REDIS_CLUSTER_NODES?: string | undefined;
}): ReplicaAckOptions {
  return { replicas: config.REDIS_WAIT_REPLICAS ?? (config.REDIS_CLUSTER_NODES ? 1 : 0), timeoutMs: config.REDIS_WAIT_MS };
}
