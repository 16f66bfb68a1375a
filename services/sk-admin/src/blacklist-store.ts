import type { Identity } from '@sk/identity';
import type { BlacklistKind } from '@sk/seckill';
import type { Pool, Tx } from '@sk/storage';
import type { RowDataPacket } from 'mysql2/promise';

/** An operator's entry: a user or an IP listed until an operator lifts it. */
export interface BlacklistRow extends RowDataPacket {
  kind: BlacklistKind;
  value: string;
  reason: string;
  created_by: string;
  created_at: Date;
}

/**
 * The operators' blacklist entries in MySQL, the truth Redis's copy is repaired from (see
 * BlacklistService). Writes run in the caller's transaction, the one that audits them.
 */
export class BlacklistStore {
  constructor(private readonly mysql: Pool) {}

  /** Every entry, by kind, then oldest first. */
  async list(): Promise<BlacklistRow[]> {
    const [rows] = await this.mysql.query<BlacklistRow[]>('SELECT * FROM blacklist ORDER BY kind, created_at, value');
    return rows;
  }

  /** The user's or IP's entry, if any; `FOR UPDATE` holds it (or its absence) for the rest of the transaction. */
  async find(tx: Tx, kind: BlacklistKind, value: string, lock: 'FOR UPDATE' | '' = ''): Promise<BlacklistRow | undefined> {
    const [[row]] = await tx.query<BlacklistRow[]>(`SELECT * FROM blacklist WHERE kind = ? AND value = ? ${lock}`, [kind, value]);
    return row;
  }

  /** Lists the user or IP as an operator's entry (again, with a new reason). */
  async put(tx: Tx, actor: Identity, kind: BlacklistKind, value: string, reason: string): Promise<void> {
    await tx.query(
      'INSERT INTO blacklist (kind, value, reason, created_by) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE reason = VALUES(reason)',
      [kind, value, reason, actor.username],
    );
  }

  async remove(tx: Tx, kind: BlacklistKind, value: string): Promise<void> {
    await tx.query('DELETE FROM blacklist WHERE kind = ? AND value = ?', [kind, value]);
  }
}
