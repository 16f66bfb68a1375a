import { hashPassword, type Identity } from '@sk/identity';
import type { MirrorState } from './activity-mirror.js';
import type { AuditLog } from './audit-log.js';
import type { BlacklistService } from './blacklist-service.js';
import type { BlacklistStore } from './blacklist-store.js';
import type { NewUser } from './schemas/users.js';
import type { UserStore } from './user-store.js';

/** scrypt jobs in flight: one per libuv thread (default 4), so file and DNS work still get a turn. */
const HASH_CONCURRENCY = 4;

/** The blacklist reason that keeps a deleted user's tokens out until they expire. */
const DELETED_USER_REASON = 'user deleted';

export interface CreatedUser {
  user_id: number;
  username: string;
}

/** Operators' use cases on shopper accounts: bulk creation and deletion, each audited. */
export class UserService {
  constructor(
    private readonly store: UserStore,
    private readonly blacklistStore: BlacklistStore,
    private readonly blacklist: BlacklistService,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Creates the users that do not exist yet (role `user`) and answers every user's id. Idempotent:
   * an existing username keeps its id and password. The passwords are hashed first, off the event
   * loop and outside any transaction; then every row and the batch's one audit entry (names and
   * ids, never a password) are committed in one transaction, or none of them is.
   */
  async createMany(actor: Identity, users: NewUser[]): Promise<CreatedUser[]> {
    const existing = await this.store.idsOf(users.map((u) => u.username));
    const fresh = users.filter((u) => !existing.has(u.username));
    const rows = await mapBounded(fresh, HASH_CONCURRENCY, async (u) => ({
      username: u.username,
      passwordHash: await hashPassword(u.password),
    }));
    return this.audit.change(actor, async (tx) => {
      // A concurrent request may have created some of them meanwhile: theirs stand.
      await this.store.insertMany(tx, rows);
      const created = await this.store.idsOf(
        fresh.map((u) => u.username),
        tx,
      );
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
   * gateway once it is announced, not only at their expiry; `pending` until it is. Their orders
   * stay, as the record of what was sold. 404/1003 for a user that does not exist.
   */
  async delete(actor: Identity, userId: number): Promise<CreatedUser & { mirror: MirrorState }> {
    const deleted = await this.audit.change(actor, async (tx) => {
      const user = await this.store.lock(tx, userId);
      await this.store.delete(tx, userId);
      await this.blacklistStore.put(tx, actor, 'user', String(userId), DELETED_USER_REASON);
      const deleted = { user_id: Number(user.id), username: user.username };
      return {
        result: deleted,
        audit: { action: 'users.delete', target: `user:${userId}`, before: { ...deleted, roles: user.roles }, after: null },
      };
    });
    return { ...deleted, mirror: await this.blacklist.announceCommitted() };
  }
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
