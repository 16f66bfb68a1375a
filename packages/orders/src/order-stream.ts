import { orderRecordSchema, parseJson, type OrderRecord } from '@sk/seckill';

/** An entry of an activity's order stream as ioredis returns it: its id and its field/value pairs. */
export type StreamEntry = [id: string, fields: string[]];

/** The field of a stream entry that holds the order record (qualify.lua writes it). */
const ORDER_FIELD = 'o';

/**
 * The order records of stream entries, and the ids of entries that hold none (malformed: kept
 * apart so a writer can acknowledge them rather than retry them forever).
 */
export function orderRecordsOf(entries: readonly StreamEntry[]): { records: OrderRecord[]; malformed: string[] } {
  const records: OrderRecord[] = [];
  const malformed: string[] = [];
  for (const [id, fields] of entries) {
    const at = fields.indexOf(ORDER_FIELD);
    const raw = at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
    const record = raw === undefined ? undefined : parseJson(orderRecordSchema, raw);
    if (record) records.push(record);
    else malformed.push(id);
  }
  return { records, malformed };
}
