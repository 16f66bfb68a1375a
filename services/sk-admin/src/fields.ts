import { z } from 'zod';

/** Names of products and activities: what the VARCHAR(200) columns hold. */
export const nameSchema = z.string().trim().min(1).max(200);

/** A row id in a JSON body. */
export const idSchema = z.number().int().positive();

/** A row id in a path or a query string: digits only, so `1e3`, ` 7` or `0x1` are refused rather than coerced. */
export const idTextSchema = z.string().regex(/^[1-9]\d{0,14}$/, 'a positive integer id').transform(Number);

/** `:id` in a path. */
export const idParamsSchema = z.object({ id: idTextSchema });
