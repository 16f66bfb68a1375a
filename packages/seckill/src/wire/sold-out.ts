import { z } from 'zod';
import { parseJson } from '../parse-json.js';

/** An activity sold out (`keys.soldOutChannel`, published by sk-core): at this total. */
const soldOutSchema = z.object({ activity_id: z.number().int(), total: z.number().int() });
export type SoldOut = z.output<typeof soldOutSchema>;
/**
 * Units returned to an activity (`keys.stockReturnedChannel`, published by sk-order): by these
 * users' orders, or, without users, all of them (counts rebuilt).
 */
const stockReturnedSchema = z.object({ activity_id: z.number().int(), user_ids: z.array(z.number().int()).max(10_000).optional() });
export type StockReturned = z.output<typeof stockReturnedSchema>;

export function soldOutMessage(activityId: number, total: number): string {
  return JSON.stringify({ activity_id: activityId, total });
}

/** A sold-out announcement heard; undefined when malformed. */
export const parseSoldOut = (message: string): SoldOut | undefined => parseJson(soldOutSchema, message);

/** Units of the activity given back (by these users' orders), or, without users, its counts rebuilt. */
export function stockReturnedMessage(activityId: number, userIds?: readonly number[]): string {
  return JSON.stringify(userIds === undefined ? { activity_id: activityId } : { activity_id: activityId, user_ids: userIds });
}

/** A stock-returned announcement heard; undefined when malformed. */
export const parseStockReturned = (message: string): StockReturned | undefined => parseJson(stockReturnedSchema, message);
