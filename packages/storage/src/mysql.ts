import { readdir, readFile } from 'node:fs/promises';
import mysql, { type Pool, type PoolOptions, type RowDataPacket } from 'mysql2/promise';

/** A pool on the URL's database, created first if missing (so a fresh MySQL needs no manual step). */
export async function createMysql(url: string, options: PoolOptions = {}): Promise<Pool> {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'seckill';
  if (!/^[\w$]+$/.test(database)) throw new Error(`invalid database name ${database}`);
  const base = {
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password),
    connectTimeout: 3_000,
  };
  const admin = await mysql.createConnection(base);
  try {
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await admin.end();
  }
  const pool = mysql.createPool({
    ...base,
    database,
    connectionLimit: 10,
    waitForConnections: true,
    queueLimit: 1_000,
    enableKeepAlive: true,
    dateStrings: false,
    timezone: 'Z',
    supportBigNumbers: true,
    ...options,
  });
  // DATETIMEs are written in UTC (`timezone: 'Z'`): the NOW() they are compared with must be UTC too, whatever the server's zone.
  pool.on('connection', (conn) => conn.query("SET time_zone = '+00:00'"));
  return pool;
}

/**
 * What a tracer records of a pool's calls (see Tracing.instrument): queries, also on a pooled
 * connection; the statement as sent, placeholders and all, never the values bound to it.
 */
export const MYSQL_TRACED_CALLS = {
  methods: ['query', 'execute'],
  wrapResults: ['getConnection'],
  describe(_method: string, args: readonly unknown[]) {
    // mysql2 takes the statement, or options holding it.
    const first = args[0] as string | { sql?: string } | undefined;
    const sql = typeof first === 'string' ? first : (first?.sql ?? '');
    const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase() ?? 'query';
    return { name: verb, tags: { 'sql.query': sql.replace(/\s+/g, ' ').trim().slice(0, 300) } };
  },
} as const;

/**
 * Applies `NNN_name.sql` files in order, each once, recorded in `schema_migrations`. Several
 * services may start at once: a named lock lets one migrate while the others wait.
 */
export async function migrate(pool: Pool, dir: URL): Promise<string[]> {
  const conn = await pool.getConnection();
  try {
    const [[lock]] = await conn.query<RowDataPacket[]>("SELECT GET_LOCK('sk_migrations', 30) AS got");
    if (!lock || lock.got !== 1) throw new Error('could not take the migration lock');
    await conn.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version VARCHAR(191) PRIMARY KEY, applied_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))',
    );
    const [rows] = await conn.query<RowDataPacket[]>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => String(r.version)));
    const files = (await readdir(dir)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort();
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await readFile(new URL(file, dir), 'utf8');
      for (const statement of sql
        .split(/;\s*$/m)
        .map((s) => s.trim())
        .filter(Boolean)) {
        await conn.query(statement);
      }
      await conn.query('INSERT INTO schema_migrations (version) VALUES (?)', [file]);
      applied.push(file);
    }
    return applied;
  } finally {
    await conn.query("SELECT RELEASE_LOCK('sk_migrations')").catch(() => {});
    conn.release();
  }
}

export type { Pool } from 'mysql2/promise';
