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
   * Makes `username` an operator with `password`: created when missing; an existing row keeps its
   * id but takes the configured password and the admin role, so the environment stays the truth.
   */
  async seedOperator(username: string, password: string): Promise<OperatorSeed> {
    const existing = await this.findOne('username = ?', username);
    if (!existing) {
      await this.pool.execute('INSERT IGNORE INTO users (username, password_hash, roles) VALUES (?, ?, ?)', [
        username,
        await hashPassword(password),
        ADMIN_ROLE,
      ]);
      return 'created';
    }
    const passwordMatches = await verifyPassword(password, existing.passwordHash).catch(() => false);
    if (passwordMatches && existing.roles.includes(ADMIN_ROLE)) return 'unchanged';
    const passwordHash = passwordMatches ? existing.passwordHash : await hashPassword(password);
    const roles = [...new Set([...existing.roles, ADMIN_ROLE])].join(',');
    await this.pool.execute('UPDATE users SET password_hash = ?, roles = ? WHERE id = ?', [passwordHash, roles, existing.id]);
    return 'updated';
  }

  private async findOne(where: 'id = ?' | 'username = ?', value: string | number): Promise<StoredUser | null> {
    const [rows] = await this.pool.execute<RowDataPacket[]>(
      `SELECT id, username, password_hash, roles FROM users WHERE ${where}`,
      [value],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: Number(row.id),
      username: String(row.username),
      passwordHash: String(row.password_hash),
      roles: String(row.roles)
        .split(',')
        .map((role) => role.trim())
        .filter(Boolean),
    };
  }
}
