import type { Identity } from '@sk/identity';
import type { Pool } from '@sk/storage';
import type { RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';

export const auditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
});

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

/** The operators' audit log in MySQL: one entry per change, newest first. */
export class AuditLog {
  constructor(private readonly mysql: Pool) {}

  async record(actor: Identity, action: string, target: string, before: unknown, after: unknown): Promise<void> {
    await this.mysql.query(
      'INSERT INTO audit_log (actor_id, actor, action, target, before_state, after_state) VALUES (?, ?, ?, ?, ?, ?)',
      [actor.userId, actor.username, action, target, toJson(before), toJson(after)],
    );
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
