import type { Identity } from '@sk/identity';
import { inTransaction, type Pool, type Tx } from '@sk/storage';
import type { RowDataPacket } from 'mysql2/promise';

export interface AuditEntry {
  id: number;
  at: Date;
  actor_id: number;
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
}

interface AuditRow extends RowDataPacket {
  id: number;
  actor_id: number;
  actor: string;
  action: string;
  target: string;
  before_state: string | null;
  after_state: string | null;
  created_at: Date;
}

/** What the audit log keeps of one change, besides who made it and when. */
export interface AuditNote {
  action: string;
  target: string;
  /** The state the change replaced, null where there was none. */
  before: unknown;
  /** The state it left, null where none is left. */
  after: unknown;
}

/** A change made in a transaction: what it answers, and the audit note that records it. */
export interface Audited<T> {
  result: T;
  audit: AuditNote;
}

/**
 * The operators' audit log in MySQL: one entry per change, newest first. Every operator change
 * of MySQL goes through `change`, so its entry is written in the change's own transaction; a
 * change made elsewhere is recorded by `record`, through `change` too, once it is made.
 */
export class AuditLog {
  constructor(private readonly mysql: Pool) {}

  /**
   * Runs `work` in one MySQL transaction and writes the entry it describes in that same
   * transaction: the change and its entry are committed together, or neither is (the error, a
   * refusal or a failure, is passed on). Work that is not MySQL's (mirrors, Redis copies) belongs
   * after this resolves, once the change is committed.
   */
  change<T>(actor: Identity, work: (tx: Tx) => Promise<Audited<T>>): Promise<T> {
    return inTransaction(this.mysql, async (tx) => {
      const { result, audit } = await work(tx);
      await tx.query('INSERT INTO audit_log (actor_id, actor, action, target, before_state, after_state) VALUES (?, ?, ?, ?, ?, ?)', [
        actor.userId,
        actor.username,
        audit.action,
        audit.target,
        toJson(audit.before),
        toJson(audit.after),
      ]);
      return result;
    });
  }

  /**
   * Writes the entry of a change made outside MySQL (a repair of Redis's counts, say), once it is
   * made, in a transaction of its own.
   */
  record(actor: Identity, note: AuditNote): Promise<void> {
    return this.change(actor, async () => ({ result: undefined, audit: note }));
  }

  async list(limit: number, offset: number): Promise<{ total: number; entries: AuditEntry[] }> {
    const [[rows], [[count]]] = await Promise.all([
      this.mysql.query<AuditRow[]>('SELECT * FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?', [limit, offset]),
      this.mysql.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM audit_log'),
    ]);
    return {
      total: Number(count!.n),
      entries: rows.map((r) => ({
        id: Number(r.id),
        at: r.created_at,
        actor_id: Number(r.actor_id),
        actor: r.actor,
        action: r.action,
        target: r.target,
        before: r.before_state === null ? null : JSON.parse(r.before_state),
        after: r.after_state === null ? null : JSON.parse(r.after_state),
      })),
    };
  }
}

const toJson = (state: unknown): string | null => (state === null || state === undefined ? null : JSON.stringify(state));
