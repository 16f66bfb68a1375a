import type { Pool } from '@sk/storage';
import type { RowDataPacket } from 'mysql2/promise';

/**
 * Whether a user is an operator now, by the users table rather than by their token: a token names
 * its roles for its whole life, and an operator demoted (or removed) since must lose the admin API
 * within 2 s. An answer is kept a second per user, so a busy console costs MySQL a query a second.
 */
export class OperatorCheck {
  private readonly known = new Map<number, { operator: boolean; until: number }>();

  constructor(
    private readonly mysql: Pool,
    private readonly keepMs = 1_000,
  ) {}

  async isOperator(userId: number, now = Date.now()): Promise<boolean> {
    const seen = this.known.get(userId);
    if (seen && seen.until > now) return seen.operator;
    const [rows] = await this.mysql.query<RowDataPacket[]>("SELECT FIND_IN_SET('admin', roles) > 0 AS operator FROM users WHERE id = ?", [
      userId,
    ]);
    const operator = rows[0]?.operator === 1;
    // Entries of users who stopped asking go with the next answer: the map holds the operators of the last second.
    for (const [id, entry] of this.known) if (entry.until <= now) this.known.delete(id);
    this.known.set(userId, { operator, until: now + this.keepMs });
    return operator;
  }
}
