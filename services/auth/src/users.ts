import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { hashPassword, verifyPassword } from '@sk/identity';
import type { Pool } from '@sk/storage';

export const ADMIN_ROLE = 'admin';

export interface User {
  id: number;
  username: string;
  roles: string[];
}

interface StoredUser extends User {
  passwordHash: string;
  /** The SK_ADMIN_PASSWORD last applied to this operator (hashed); null for users the environment does not manage. */
  envPasswordHash: string | null;
}

export type OperatorSeed = 'created' | 'updated' | 'unchanged';

/** Users as stored in `users`; roles are a comma-separated list. */
export class UserStore {
  /** A hash of nothing anyone knows: unknown users cost the same verification as known ones. */
  private decoyHash: Promise<string> | undefined;

  constructor(private readonly pool: Pool) {}

  async findById(id: number): Promise<User | null> {
    const user = await this.findOne('id = ?', id);
    return user && { id: user.id, username: user.username, roles: user.roles };
  }

  /** The user these credentials belong to; `null` for an unknown user or a wrong password alike. */
  async verifyCredentials(username: string, password: string): Promise<User | null> {
    const user = await this.findOne('username = ?', username);
    if (!user) {
      this.decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
      await verifyPassword(password, await this.decoyHash);
      return null;
    }
    if (!(await verifyPassword(password, user.passwordHash))) return null;
    return { id: user.id, username: user.username, roles: user.roles };
  }

  /**
   * Makes `username` the operator, with the admin role. SK_ADMIN_PASSWORD is applied when the row is
   * created and when it differs from the one last applied (rotated through the environment), never
   * again while it stays the same: a password changed since by other means stands.
   */
  async seedOperator(username: string, password: string): Promise<OperatorSeed> {
    const existing = await this.findOne('username = ?', username);
    if (!existing) {
      const passwordHash = await hashPassword(password);
      await this.pool.execute('INSERT IGNORE INTO users (username, password_hash, roles, env_password_hash) VALUES (?, ?, ?, ?)', [
        username,
        passwordHash,
        ADMIN_ROLE,
        passwordHash,
      ]);
      return 'created';
    }
    const applied = existing.envPasswordHash !== null && (await verifyPassword(password, existing.envPasswordHash).catch(() => false));
    if (applied && existing.roles.includes(ADMIN_ROLE)) return 'unchanged';
    const roles = [...new Set([...existing.roles, ADMIN_ROLE])].join(',');
    if (applied) {
      await this.pool.execute('UPDATE users SET roles = ? WHERE id = ?', [roles, existing.id]);
    } else {
      const passwordHash = await hashPassword(password);
      await this.pool.execute('UPDATE users SET password_hash = ?, env_password_hash = ?, roles = ? WHERE id = ?', [
        passwordHash,
        passwordHash,
        roles,
        existing.id,
      ]);
    }
    return 'updated';
  }

  /**
   * Takes the admin role from operators seeded under another name (an earlier SK_ADMIN_USER); they
   * stay, as users, and the environment no longer manages them. Answers their names.
   */
  async demoteFormerOperators(operator: string): Promise<string[]> {
    const [rows] = await this.pool.execute<RowDataPacket[]>(
      'SELECT id, username, roles FROM users WHERE env_password_hash IS NOT NULL AND username <> ?',
      [operator],
    );
    for (const row of rows) {
      const roles = parseRoles(row.roles).filter((role) => role !== ADMIN_ROLE);
      await this.pool.execute('UPDATE users SET roles = ?, env_password_hash = NULL WHERE id = ?', [roles.join(','), row.id]);
    }
    return rows.map((row) => String(row.username));
  }

  private async findOne(where: 'id = ?' | 'username = ?', value: string | number): Promise<StoredUser | null> {
    const [rows] = await this.pool.execute<RowDataPacket[]>(
      `SELECT id, username, password_hash, env_password_hash, roles FROM users WHERE ${where}`,
      [value],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: Number(row.id),
      username: String(row.username),
      passwordHash: String(row.password_hash),
      envPasswordHash: row.env_password_hash === null ? null : String(row.env_password_hash),
      roles: parseRoles(row.roles),
    };
  }
}

function parseRoles(stored: unknown): string[] {
  return String(stored)
    .split(',')
    .map((role) => role.trim())
    .filter(Boolean);
}
