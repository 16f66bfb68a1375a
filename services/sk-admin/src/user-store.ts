import { Codes, SkError } from '@sk/http';
import type { Pool, Tx } from '@sk/storage';
import type { RowDataPacket } from 'mysql2/promise';

/** Rows one statement inserts, or names one lookup lists, at most. */
const ROWS_PER_STATEMENT = 500;

interface UserRow extends RowDataPacket {
  id: number;
  username: string;
  roles: string;
}

/** A user to insert, password already hashed. */
export interface UserInsert {
  username: string;
  passwordHash: string;
}

const notFound = (userId: number) => new SkError(Codes.NOT_FOUND, `user ${userId} not found`);

/**
 * The users table as sk-admin uses it: shoppers created in bulk, users deleted, names looked up.
 * auth owns the table (logins, tokens, the operator it seeds); see packages/storage/migrations/README.md.
 */
export class UserStore {
  constructor(private readonly mysql: Pool) {}

  /** The ids of those of `usernames` that exist, by username; on the pool, or in the caller's transaction. */
  async idsOf(usernames: string[], db: Tx = this.mysql): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    for (const chunk of chunks(usernames, ROWS_PER_STATEMENT)) {
      const [rows] = await db.query<UserRow[]>('SELECT id, username FROM users WHERE username IN (?)', [chunk]);
      for (const row of rows) ids.set(row.username, Number(row.id));
    }
    return ids;
  }

  /** The usernames of those of `ids` that exist, by id. */
  async usernames(ids: number[]): Promise<Map<number, string>> {
    const names = new Map<number, string>();
    for (const chunk of chunks(ids, ROWS_PER_STATEMENT)) {
      const [rows] = await this.mysql.query<UserRow[]>('SELECT id, username FROM users WHERE id IN (?)', [chunk]);
      for (const row of rows) names.set(Number(row.id), String(row.username));
    }
    return names;
  }

  /** 404/1003 unless the user exists. */
  async require(userId: number): Promise<void> {
    const [rows] = await this.mysql.query<RowDataPacket[]>('SELECT 1 FROM users WHERE id = ?', [userId]);
    if (rows.length === 0) throw notFound(userId);
  }

  /** Inserts the users with role `user` in the caller's transaction; a username that exists by then keeps its row. */
  async insertMany(tx: Tx, users: UserInsert[]): Promise<void> {
    for (const chunk of chunks(users, ROWS_PER_STATEMENT)) {
      await tx.query('INSERT IGNORE INTO users (username, password_hash, roles) VALUES ?', [
        chunk.map((u) => [u.username, u.passwordHash, 'user']),
      ]);
    }
  }

  /** The user, locked for the rest of the caller's transaction; 404/1003 when there is none. */
  async lock(tx: Tx, userId: number): Promise<UserRow> {
    const [[user]] = await tx.query<UserRow[]>('SELECT id, username, roles FROM users WHERE id = ? FOR UPDATE', [userId]);
    if (!user) throw notFound(userId);
    return user;
  }

  /** Deletes the user; their refresh tokens go with the row (ON DELETE CASCADE), their orders stay. */
  async delete(tx: Tx, userId: number): Promise<void> {
    await tx.query('DELETE FROM users WHERE id = ?', [userId]);
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
