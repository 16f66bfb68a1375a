import { z } from 'zod';
import { parseJson } from '../parse-json.js';

/** What a 1002 answers and `/sec/result` lists: the qualification, and the order it made. */
export const qualificationSchema = z.object({
  product_id: z.number().int(),
  activity_id: z.number().int(),
  user_id: z.number().int(),
  token: z.string(),
  token_time: z.number().int(),
  order_id: z.string(),
  /** ms since epoch: the end of the order's payment window, fixed here. */
  pay_by: z.number().int(),
});
export type Qualification = z.output<typeof qualificationSchema>;

/**
 * One order as the qualification step records it, in the activity's order stream and its held
 * units: the qualification, the attempt's nonce (so `/sec/result?nonce=` can answer) and the
 * order's sequence within the activity.
 */
export const orderRecordSchema = qualificationSchema.extend({
  nonce: z.string(),
  seq: z.number().int().positive(),
});
export type OrderRecord = z.output<typeof orderRecordSchema>;

/** Order ids are `<activity_id>-<seq>`: fixed by the qualification step, unique per activity. */
export const ORDER_ID_PATTERN = /^[1-9]\d{0,14}-[1-9]\d{0,15}$/;
export const orderId = (activityId: number, seq: number): string => `${activityId}-${seq}`;
/** The activity an order id (of ORDER_ID_PATTERN) belongs to. */
export const activityOfOrder = (id: string): number => Number(id.slice(0, id.indexOf('-')));

/** An entry of an activity's order stream (`keys.orders`) as ioredis returns it: its id and its field/value pairs. */
export type StreamEntry = [id: string, fields: string[]];

/** The field of an order stream entry that holds the order record (JSON). qualify.lua (sk-core) writes it, spelled there too. */
export const ORDER_STREAM_FIELD = 'o';

/**
 * The order records of stream entries, and the ids of entries that hold none (malformed: kept
 * apart so a writer can acknowledge them rather than retry them forever).
 */
export function orderRecordsOf(entries: readonly StreamEntry[]): { records: OrderRecord[]; malformed: string[] } {
  const records: OrderRecord[] = [];
  const malformed: string[] = [];
  for (const [id, fields] of entries) {
    const at = fields.indexOf(ORDER_STREAM_FIELD);
    const raw = at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
    const record = raw === undefined ? undefined : parseJson(orderRecordSchema, raw);
    if (record) records.push(record);
    else malformed.push(id);
  }
  return { records, malformed };
}
