import type { FastifyBaseLogger } from 'fastify';
import { Codes, SkError } from '@sk/http';
import {
  isActiveEntry,
  publishBlacklistChanges,
  readBlacklist,
  readBlacklistEntry,
  type BlacklistChange,
  type BlacklistEntry,
  type BlacklistKind,
  type BlacklistSource,
  type RedisKeys,
} from '@sk/seckill';
import { OneAtATime } from '@sk/concurrency';
import type { Identity } from '@sk/identity';
import { isRedisReady, type Redis, type Tx } from '@sk/storage';
import type { AuditLog } from './audit-log.js';
import type { BlacklistRow, BlacklistStore } from './blacklist-store.js';
import type { MirrorState } from './activity-mirror.js';
import type { UserStore } from './user-store.js';

/** One entry as operators see it: an operator's (permanent) or an automatic ban (with its expiry). */
export interface BlacklistView {
  value: string;
  source: BlacklistSource;
  reason: string;
  expires_at: string | null;
  created_by: string | null;
  created_at: string | null;
}

const operatorView = (row: BlacklistRow): BlacklistView => ({
  value: row.value,
  source: 'operator',
  reason: row.reason,
  expires_at: null,
  created_by: row.created_by,
  created_at: row.created_at.toISOString(),
});

const autoView = (value: string, entry: BlacklistEntry): BlacklistView => ({
  value,
  source: 'auto',
  reason: entry.reason,
  expires_at: new Date(entry.expires_at!).toISOString(),
  created_by: null,
  created_at: null,
});

/** What is held against a user or IP: an operator's entry, or else an automatic ban (perhaps expired). */
interface Held {
  row?: BlacklistRow;
  auto?: BlacklistEntry | undefined;
}

/** The entry in force (the operator's first), or null. */
const inForce = (value: string, { row, auto }: Held): BlacklistView | null =>
  row ? operatorView(row) : auto && isActiveEntry(auto, Date.now()) ? autoView(value, auto) : null;

const unavailable = () => new SkError(Codes.BUSY, 'blacklist store unavailable');
const notListed = (kind: BlacklistKind, value: string) => new SkError(Codes.NOT_FOUND, `${kind} ${value} is not blacklisted`);

/**
 * Blacklists: operators' entries in MySQL (the truth), copied to Redis and announced so every
 * sk-app applies them within 2 s; automatic bans are sk-app's, in Redis, listed and removable here.
 * An edit is committed with its audit entry first, then copied to Redis; a copy that failed (Redis
 * down) is repaired by `sync`, at start, on reconnect and periodically.
 */
export class BlacklistService {
  private timer: NodeJS.Timeout | undefined;
  // A repair pass that read MySQL before an edit and publishes after it would undo the edit in Redis.
  private readonly edits = new OneAtATime();

  constructor(
    private readonly store: BlacklistStore,
    private readonly users: UserStore,
    private readonly audit: AuditLog,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly log: FastifyBaseLogger,
    private readonly syncIntervalMs: number,
  ) {}

  start(): void {
    this.redis.on('ready', this.trigger);
    this.timer ??= setInterval(this.trigger, this.syncIntervalMs);
    this.timer.unref();
    this.trigger();
  }

  stop(): void {
    this.redis.off('ready', this.trigger);
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async list(): Promise<Record<'users' | 'ips', BlacklistView[]>> {
    const rows = await this.store.list();
    const auto = (await this.fromRedis(() => readBlacklist(this.redis, this.keys))).filter(
      (c) => c.source === 'auto' && c.entry && isActiveEntry(c.entry, Date.now()),
    );
    const of = (kind: BlacklistKind): BlacklistView[] => [
      ...rows.filter((r) => r.kind === kind).map(operatorView),
      ...auto.filter((c) => c.kind === kind).map((c) => autoView(c.value, c.entry!)),
    ];
    return { users: of('user'), ips: of('ip') };
  }

  /**
   * Lists the user (one that exists: 404/1003 otherwise) or IP (again, with a new reason);
   * `pending` when sk-app instances could not be told yet.
   */
  async ban(actor: Identity, kind: BlacklistKind, value: string, reason: string): Promise<{ entry: BlacklistView; mirror: MirrorState }> {
    if (kind === 'user') await this.users.require(Number(value));
    return this.edits.run(async () => {
      const entry = await this.audit.change(actor, async (tx) => {
        const before = inForce(value, await this.held(tx, kind, value));
        await this.store.put(tx, actor, kind, value, reason);
        const after = operatorView((await this.store.find(tx, kind, value))!);
        return { result: after, audit: { action: 'blacklist.put', target: `${kind}:${value}`, before, after } };
      });
      const mirror = await this.announce([{ source: 'operator', kind, value, entry: { reason: entry.reason, expires_at: null } }]);
      return { entry, mirror };
    });
  }

  /** Removes the operator's entry and any automatic ban; 404/1003 when neither was there. */
  unban(actor: Identity, kind: BlacklistKind, value: string): Promise<{ mirror: MirrorState }> {
    return this.edits.run(async () => {
      await this.audit.change(actor, async (tx) => {
        const held = await this.held(tx, kind, value);
        if (!held.row && !held.auto) throw notListed(kind, value);
        await this.store.remove(tx, kind, value);
        return {
          result: undefined,
          audit: { action: 'blacklist.delete', target: `${kind}:${value}`, before: inForce(value, held), after: null },
        };
      });
      const mirror = await this.announce([
        { source: 'operator', kind, value, entry: null },
        { source: 'auto', kind, value, entry: null },
      ]);
      return { mirror };
    });
  }

  /**
   * Makes Redis's copy of the operators' lists equal MySQL's, announcing each difference, and
   * drops expired automatic bans. Runs between this instance's edits, never during one. It reads
   * Redis before MySQL: another instance's edit caught half done (MySQL first, then Redis) then
   * looks like one to complete, never one to undo.
   */
  sync(): Promise<void> {
    return this.edits.run(() => this.repair());
  }

  /** `sync` now, for an entry another change committed (`BlacklistStore.put`): `pending` when Redis could not take it yet. */
  announceCommitted(): Promise<MirrorState> {
    return this.announced(() => this.sync());
  }

  private async repair(): Promise<void> {
    // Nothing to repair with, and edits must not wait behind it: Redis's 'ready' starts the next pass.
    if (!isRedisReady(this.redis)) return;
    const held = await readBlacklist(this.redis, this.keys);
    const rows = await this.store.list();
    const wanted = new Map(rows.map((r) => [`${r.kind}:${r.value}`, r.reason]));
    const copies = new Map(held.filter((c) => c.source === 'operator').map((c) => [`${c.kind}:${c.value}`, c]));
    const changes: BlacklistChange[] = [];
    for (const row of rows) {
      const copy = copies.get(`${row.kind}:${row.value}`);
      if (copy?.entry?.reason !== row.reason)
        changes.push({ source: 'operator', kind: row.kind, value: row.value, entry: { reason: row.reason, expires_at: null } });
    }
    const now = Date.now();
    for (const c of held) {
      const stale = c.source === 'operator' ? !wanted.has(`${c.kind}:${c.value}`) : !isActiveEntry(c.entry!, now);
      if (stale) changes.push({ ...c, entry: null });
    }
    await publishBlacklistChanges(this.redis, this.keys, changes);
  }

  private readonly trigger = () => {
    this.sync().catch((err: unknown) => this.log.warn({ err }, 'blacklist sync failed'));
  };

  /**
   * What is held against the user or IP: the operator's entry, locked for the change, else the
   * automatic ban in Redis, if any (503 while Redis is down: it cannot be seen then).
   */
  private async held(tx: Tx, kind: BlacklistKind, value: string): Promise<Held> {
    const row = await this.store.find(tx, kind, value, 'FOR UPDATE');
    if (row) return { row };
    return { auto: await this.fromRedis(() => readBlacklistEntry(this.redis, this.keys, 'auto', kind, value)) };
  }

  private announce(changes: BlacklistChange[]): Promise<MirrorState> {
    return this.announced(() => publishBlacklistChanges(this.redis, this.keys, changes));
  }

  /** `done` once `publish` told the sk-app instances; `pending` (and logged) when Redis could not take it. */
  private async announced(publish: () => Promise<void>): Promise<MirrorState> {
    if (!isRedisReady(this.redis)) return 'pending';
    try {
      await publish();
      return 'done';
    } catch (err) {
      this.log.warn({ err }, 'blacklist change not announced yet');
      return 'pending';
    }
  }

  /** `read` from Redis, or a 503 while Redis is down. */
  private async fromRedis<T>(read: () => Promise<T>): Promise<T> {
    if (!isRedisReady(this.redis)) throw unavailable();
    try {
      return await read();
    } catch {
      throw unavailable();
    }
  }
}
