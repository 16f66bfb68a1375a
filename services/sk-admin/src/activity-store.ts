import { Codes, SkError, type FieldError } from '@sk/http';
import type { ActivityConfig } from '@sk/seckill';
import type { Pool, Tx } from '@sk/storage';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { ActivityChanges, NewActivity } from './schemas/activities.js';

/** An activity as MySQL holds it: its config (what ZooKeeper mirrors) and the version ZooKeeper has. */
export interface ActivityRecord {
  config: ActivityConfig;
  mirroredVersion: number;
}

export const isMirrored = (record: ActivityRecord): boolean => record.mirroredVersion >= record.config.version;

interface ActivityRow extends RowDataPacket {
  id: number;
  name: string;
  product_id: number;
  start_time: Date;
  end_time: Date;
  total: number;
  buy_limit: number;
  buy_rate: string;
  status: ActivityConfig['status'];
  pay_window_s: number;
  version: number;
  mirrored_version: number;
}

const COLUMNS = 'id, name, product_id, start_time, end_time, total, buy_limit, buy_rate, status, pay_window_s, version, mirrored_version';

function toRecord(row: ActivityRow): ActivityRecord {
  return {
    config: {
      activity_id: Number(row.id),
      product_id: Number(row.product_id),
      name: row.name,
      start_time: row.start_time.getTime(),
      end_time: row.end_time.getTime(),
      total: row.total,
      buy_limit: row.buy_limit,
      buy_rate: Number(row.buy_rate),
      status: row.status,
      pay_window_s: row.pay_window_s,
      version: row.version,
    },
    mirroredVersion: row.mirrored_version,
  };
}

const notFound = (id: number) => new SkError(Codes.NOT_FOUND, `activity ${id} not found`);
const endBeforeStart: FieldError = { field: 'end_time', message: 'must be after start_time' };

/**
 * Activities in MySQL, the truth. Writes run in the caller's transaction (the one that audits
 * them, see ActivityService), reads on the pool. Every change bumps `version`; `mirrored_version`
 * records which version ZooKeeper holds, so a failed mirror is visible and retried.
 */
export class ActivityStore {
  constructor(private readonly mysql: Pool) {}

  /** Inserts the activity in the caller's transaction (version 1, not mirrored yet). */
  async create(tx: Tx, input: NewActivity): Promise<ActivityRecord> {
    const errors: FieldError[] = [];
    if (input.end_time <= input.start_time) errors.push(endBeforeStart);
    const [products] = await tx.query<RowDataPacket[]>('SELECT 1 FROM products WHERE id = ?', [input.product_id]);
    if (products.length === 0) errors.push({ field: 'product_id', message: `no product ${input.product_id}` });
    if (errors.length > 0) throw SkError.invalid(errors);

    const [inserted] = await tx.query<ResultSetHeader>(
      `INSERT INTO activities (name, product_id, start_time, end_time, total, buy_limit, buy_rate, status, pay_window_s)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        input.name,
        input.product_id,
        input.start_time,
        input.end_time,
        input.total,
        input.buy_limit,
        input.buy_rate,
        input.status ?? 'enabled',
        input.pay_window_s,
      ],
    );
    return toRecord((await selectRow(tx, inserted.insertId))!);
  }

  async get(id: number): Promise<ActivityRecord | undefined> {
    const row = await selectRow(this.mysql, id);
    return row && toRecord(row);
  }

  async require(id: number): Promise<ActivityRecord> {
    const record = await this.get(id);
    if (!record) throw notFound(id);
    return record;
  }

  async list(): Promise<ActivityRecord[]> {
    const [rows] = await this.mysql.query<ActivityRow[]>(`SELECT ${COLUMNS} FROM activities ORDER BY id`);
    return rows.map(toRecord);
  }

  /**
   * Applies the changes in the caller's transaction under a row lock, so the checks (total only
   * grows, end after start) hold against concurrent changes, and `before` is exactly what this
   * change replaced.
   */
  async update(tx: Tx, id: number, changes: ActivityChanges): Promise<{ before: ActivityRecord; after: ActivityRecord }> {
    const row = await selectRow(tx, id, 'FOR UPDATE');
    if (!row) throw notFound(id);
    const errors: FieldError[] = [];
    if (changes.total !== undefined && changes.total < row.total) {
      errors.push({ field: 'total', message: `may only grow (now ${row.total})` });
    }
    if (changes.end_time !== undefined && changes.end_time <= row.start_time) errors.push(endBeforeStart);
    if (errors.length > 0) throw SkError.invalid(errors);

    await tx.query(`UPDATE activities SET status = ?, end_time = ?, total = ?, pay_window_s = ?, version = version + 1 WHERE id = ?`, [
      changes.status ?? row.status,
      changes.end_time ?? row.end_time,
      changes.total ?? row.total,
      changes.pay_window_s ?? row.pay_window_s,
      id,
    ]);
    const updated = await selectRow(tx, id);
    return { before: toRecord(row), after: toRecord(updated!) };
  }

  /** Up to `limit` activities after `afterId` whose latest version ZooKeeper does not hold yet, by id. */
  async unmirrored(afterId: number, limit: number): Promise<ActivityRecord[]> {
    const [rows] = await this.mysql.query<ActivityRow[]>(
      `SELECT ${COLUMNS} FROM activities WHERE mirrored_version < version AND id > ? ORDER BY id LIMIT ?`,
      [afterId, limit],
    );
    return rows.map(toRecord);
  }

  /** Records that ZooKeeper holds `version` (never moving the mark backwards). */
  async markMirrored(id: number, version: number): Promise<void> {
    await this.mysql.query('UPDATE activities SET mirrored_version = ? WHERE id = ? AND mirrored_version < ?', [version, id, version]);
  }
}

async function selectRow(db: Tx, id: number, lock: 'FOR UPDATE' | '' = ''): Promise<ActivityRow | undefined> {
  const [rows] = await db.query<ActivityRow[]>(`SELECT ${COLUMNS} FROM activities WHERE id = ? ${lock}`, [id]);
  return rows[0];
}
