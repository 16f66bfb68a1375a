import type { Redis } from '@sk/storage';

/** The consumer group every order writer reads the order streams in. */
export const WRITERS_GROUP = 'order-writers';

/**
 * The oldest entry of a stream the writers have not acknowledged (pending at a writer, or not yet
 * delivered), and the last one delivered; null where there is none.
 */
export async function groupState(redis: Redis, key: string): Promise<{ oldestUnacknowledged: string | null; lastDelivered: string | null }> {
  const [pending, groups] = await Promise.all([
    redis.xpending(key, WRITERS_GROUP) as Promise<[number, string | null, string | null, unknown]>,
    redis.xinfo('GROUPS', key) as Promise<unknown[][]>,
  ]);
  const group = groups.map(fieldsOf).find((g) => g.name === WRITERS_GROUP);
  const delivered = group?.['last-delivered-id'];
  const lastDelivered = delivered && delivered !== '0-0' ? delivered : null;
  if (pending[0] > 0) return { oldestUnacknowledged: pending[1], lastDelivered };
  const [next] = (await redis.xrange(key, lastDelivered ? `(${lastDelivered}` : '-', '+', 'COUNT', 1)) as [string, string[]][];
  return { oldestUnacknowledged: next?.[0] ?? null, lastDelivered };
}

/** The id below which every entry has been acknowledged (what may be trimmed), or null when nothing was delivered. */
export function acknowledgedBelow(state: { oldestUnacknowledged: string | null; lastDelivered: string | null }): string | null {
  return state.oldestUnacknowledged ?? (state.lastDelivered && nextId(state.lastDelivered));
}

/** XINFO's flat `[name, value, ...]` reply as an object. */
function fieldsOf(flat: unknown[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
  return fields;
}

/** The time (ms since epoch) a stream entry id was made at. */
export const entryTime = (id: string): number => Number(id.slice(0, id.indexOf('-')));

/** The stream id right after `id`. */
function nextId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${BigInt(seq ?? '0') + 1n}`;
}
