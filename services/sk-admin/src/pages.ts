import { parseJson } from '@sk/seckill';
import { z } from 'zod';

/**
 * Listings newest first, a page at a time, by keyset: each page starts right after the last row
 * of the one before (its time, then its id to break ties), so rows written meanwhile neither
 * shift a page nor repeat, and a deep page costs what the first does (no OFFSET). The query
 * fields that ask for a page are in schemas/fields.ts.
 */

/** Where a page ended: the time and id of its last row. */
export interface Keyset {
  at: Date;
  id: string;
}

/** 9999-12-31T23:59:59.999Z, the last instant a MySQL DATETIME holds. */
const LAST_MS = 253_402_300_799_999;
const keysetJson = z.tuple([z.number().int().min(0).max(LAST_MS), z.string().min(1).max(64)]);

/** The opaque `next_cursor`: the keyset as base64url JSON. */
const encodeCursor = ({ at, id }: Keyset): string => Buffer.from(JSON.stringify([at.getTime(), id])).toString('base64url');

/** A `next_cursor` back to its keyset; undefined for anything this API did not answer. */
export function decodeCursor(text: string): Keyset | undefined {
  const keyset = parseJson(keysetJson, Buffer.from(text, 'base64url').toString('utf8'));
  return keyset && { at: new Date(keyset[0]), id: keyset[1] };
}

/** What a listing asks for: how many rows, and after which (none for the first page). */
export interface PageRequest {
  limit: number;
  cursor?: Keyset | undefined;
}

/** The conditions of a WHERE clause, with the values of their placeholders in order. */
export interface Conditions {
  sql: string[];
  values: unknown[];
}

/**
 * The end of a page's SELECT: WHERE (the conditions, and after the cursor), ORDER BY time and id
 * descending, and LIMIT one row more than the page holds, which tells whether another page follows.
 */
export function newestFirst(
  time: string,
  id: string,
  { cursor, limit }: PageRequest,
  where: Conditions,
): { clause: string; values: unknown[] } {
  const sql = [...where.sql];
  const values = [...where.values];
  if (cursor) {
    sql.push(`(${time} < ? OR (${time} = ? AND ${id} < ?))`);
    values.push(cursor.at, cursor.at, cursor.id);
  }
  const filter = sql.length > 0 ? `WHERE ${sql.join(' AND ')}` : '';
  return { clause: `${filter} ORDER BY ${time} DESC, ${id} DESC LIMIT ?`, values: [...values, limit + 1] };
}

/** A page of the rows `newestFirst` selected, and the cursor of the next one (null at the end). */
export function pageOf<R>(rows: R[], limit: number, keysetOf: (row: R) => Keyset): { rows: R[]; next_cursor: string | null } {
  if (rows.length <= limit) return { rows, next_cursor: null };
  const shown = rows.slice(0, limit);
  return { rows: shown, next_cursor: encodeCursor(keysetOf(shown[limit - 1]!)) };
}
