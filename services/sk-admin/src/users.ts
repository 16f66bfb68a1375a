import { Codes, SkError } from '@sk/http';
import { hashPassword, type Identity } from '@sk/identity';
import type { Pool, Tx } from '@sk/storage';
import type { RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';
import type { AuditLog } from './audit.js';
import { putOperatorEntry } from './blacklist.js';

const MAX_USERS_PER_REQUEST = 10_000;
/** scrypt jobs in flight: one per libuv thread (default 4), so file and DNS work still get a turn. */
const HASH_CONCURRENCY = 4;
const ROWS_PER_STATEMENT = 500;

export const newUsersSchema = z
  .array(
    z.object({
      username: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
      password: z.string().min(6).max(128),
    }),
  )
  .min(1)
  .max(MAX_USERS_PER_REQUEST)
  .superRefine((users, ctx) => {
    const firstIndex = new Map<string, number>();
    users.forEach(({ username }, i) => {
      const first = firstIndex.get(username);
      if (first === undefined) firstIndex.set(username, i);
      else ctx.addIssue({ code: 'custom', path: [i, 'username'], message: `duplicate of users.${first}.username` });
    });
  });
export type NewUser = z.output<typeof newUsersSchema>[number];

export interface CreatedUser {
  user_id: number;
  username: string;
}

interface UserIdRow extends RowDataPacket {
  id: number;
  username: string;
}

interface UserRow extends UserIdRow {
  roles: string;
}

/** The blacklist reason that keeps a deleted user's tokens out until they expire. */
export const DELETED_USER_REASON = 'user deleted';

/** Shopper accounts in MySQL, created in bulk. */
export class UserStore {
  constructor(
    private readonly mysql: Pool,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Creates the users that do not exist yet (role `user`) and answers every user's id. Idempotent:
   * an existing username keeps its id and password. The passwords are hashed first, off the event
   * loop and outside any transaction; then every row and the batch's one audit entry (names and
   * ids, never a password) are committed in one transaction, or none of them is.
   */
  async createMany(actor: Identity, users: NewUser[]): Promise<CreatedUser[]> {
    const existing = await idsOf(this.mysql, users.map((u) => u.username));
    const fresh = users.filter((u) => !existing.has(u.username));
    const rows = await mapBounded(fresh, HASH_CONCURRENCY, async (u) => [u.username, await hashPassword(u.password), 'user']);
    return this.audit.change(actor, async (tx) => {
      for (const chunk of chunks(rows, ROWS_PER_STATEMENT)) {
        // A concurrent request may have created some of them meanwhile: theirs stand.
        await tx.query('INSERT IGNORE INTO users (username, password_hash, roles) VALUES ?', [chunk]);
      }
      const created = await idsOf(tx, fresh.map((u) => u.username));
      const answer = users.map(({ username }) => {
        const id = existing.get(username) ?? created.get(username);
        if (id === undefined) throw new Error(`user ${username} missing after insert`);
        return { user_id: id, username };
      });
      return { result: answer, audit: { action: 'users.create', target: `users:${answer.length}`, before: null, after: answer } };
    });
  }

  /**
   * Deletes the user (their refresh tokens go with the row) and, in the same transaction, lists
   * them on the operators' blacklist: the access tokens they still hold are refused at every
   * gateway once it is announced (BlacklistService.announceCommitted), not only at their expiry.
   * Their orders stay, as the record of what was sold. 404/1003 for a user that does not exist.
   */
  async delete(actor: Identity, userId: number): Promise<CreatedUser> {
    return this.audit.change(actor, async (tx) => {
      const [[user]] = await tx.query<UserRow[]>('SELECT id, username, roles FROM users WHERE id = ? FOR UPDATE', [userId]);
      if (!user) throw new SkError(Codes.NOT_FOUND, `user ${userId} not found`);
      await tx.query('DELETE FROM users WHERE id = ?', [userId]);
      await putOperatorEntry(tx, actor, 'user', String(userId), DELETED_USER_REASON);
      const deleted = { user_id: Number(user.id), username: user.username };
      return { result: deleted, audit: { action: 'users.delete', target: `user:${userId}`, before: { ...deleted, roles: user.roles }, after: null } };
    });
  }
}

async function idsOf(db: Tx, usernames: string[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const chunk of chunks(usernames, ROWS_PER_STATEMENT)) {
    const [rows] = await db.query<UserIdRow[]>('SELECT id, username FROM users WHERE username IN (?)', [chunk]);
    for (const row of rows) ids.set(row.username, Number(row.id));
  }
  return ids;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `fn` over every item, at most `limit` at a time, results in input order. */
async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
