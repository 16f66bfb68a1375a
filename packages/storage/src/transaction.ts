import type { Pool, PoolConnection } from 'mysql2/promise';

/**
 * The connection of a transaction in progress, as the work inside it sees it: statements only.
 * The pool has the same shape, so a reader used both inside a change and outside one (selectRow,
 * idsOf...) takes this and is given the pool outside.
 */
export type Tx = Pick<PoolConnection, 'query'>;

/**
 * Runs `work` in one MySQL transaction on a connection of its own: committed when `work` resolves,
 * rolled back when it throws (or the commit fails), and the error passed on. READ COMMITTED: each
 * statement reads the latest committed rows, and a locking read of a row that does not exist yet
 * (a new ban, say) takes no gap lock that concurrent inserts of other keys would deadlock on.
 * A connection that cannot even roll back (MySQL gone) is destroyed, never handed back to the pool.
 */
export async function inTransaction<T>(pool: Pool, work: (tx: Tx) => Promise<T>): Promise<T> {
  const conn = await pool.getConnection();
  let result: T;
  try {
    await conn.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await conn.beginTransaction();
    result = await work(conn);
    await conn.commit();
  } catch (err) {
    try {
      await conn.rollback();
      conn.release();
    } catch {
      conn.destroy();
    }
    throw err;
  }
  conn.release();
  return result;
}
