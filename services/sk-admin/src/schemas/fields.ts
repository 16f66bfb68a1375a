import { z } from 'zod';
import { decodeCursor } from '../pages.js';

/** The request fields more than one resource takes. */

/** Names of products and activities: what the VARCHAR(200) columns hold. */
export const nameSchema = z.string().trim().min(1).max(200);

/** A row id in a JSON body. */
export const idSchema = z.number().int().positive();

/** Digits only, so `1e3`, ` 7` or `0x1` are refused rather than coerced. */
const idDigitsSchema = z.string().regex(/^[1-9]\d{0,14}$/, 'a positive integer id');

/** A row id in a path or a query string. */
export const idTextSchema = idDigitsSchema.transform(Number);

/** `:id` in a path. */
export const idParamsSchema = z.object({ id: idTextSchema });

/** `:user_id` in a path, kept as text: it is also the value a user's blacklist entry holds. */
export const userParamsSchema = z.object({ user_id: idDigitsSchema });

/** `cursor` in a query string: a `next_cursor` this API answered, decoded; anything else is refused. */
const cursorSchema = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'a next_cursor as answered')
  .meta({ description: 'the `next_cursor` of the page before' })
  .transform((text, ctx) => {
    const keyset = decodeCursor(text);
    if (keyset) return keyset;
    ctx.addIssue({ code: 'custom', message: 'a next_cursor as answered' });
    return z.NEVER;
  });

/** The paging fields of a listing's query string (see pages.ts). */
export const pageQueryFields = {
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  cursor: cursorSchema.optional(),
};
export const pageQuerySchema = z.object(pageQueryFields);
