import { evalScript, loadLua, type Redis } from '@sk/storage';

/** The consumer group every order writer reads the order streams in. */
export const WRITERS_GROUP = 'order-writers';

const CREATE_GROUP = loadLua(new URL('../lua/create-group.lua', import.meta.url));
const GROUP_STATE = loadLua(new URL('../lua/group-state.lua', import.meta.url));

/** Creates the writers' group on the stream `key` (and the stream) unless it exists. */
export async function createGroup(redis: Redis, key: string): Promise<void> {
  await evalScript(redis, CREATE_GROUP, [key], [WRITERS_GROUP]);
}

export interface GroupState {
  oldestUnacknowledged: string | null;
  lastDelivered: string | null;
}

/**
 * The oldest entry of a stream the writers have not acknowledged (pending at a writer, or not yet
 * delivered), and the last one delivered; null where there is none.
 */
export async function groupState(redis: Redis, key: string): Promise<GroupState> {
  const [oldestUnacknowledged, lastDelivered] = (await evalScript(redis, GROUP_STATE, [key], [WRITERS_GROUP])) as [
    string | null,
    string | null,
  ];
  return { oldestUnacknowledged: oldestUnacknowledged ?? null, lastDelivered: lastDelivered ?? null };
}

/** The id below which every entry has been acknowledged (what may be trimmed), or null when nothing was delivered. */
export function acknowledgedBelow(state: GroupState): string | null {
  return state.oldestUnacknowledged ?? (state.lastDelivered && nextId(state.lastDelivered));
}

/** The time (ms since epoch) a stream entry id was made at. */
export const entryTime = (id: string): number => Number(id.slice(0, id.indexOf('-')));

/** The stream id right after `id`. */
function nextId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${BigInt(seq ?? '0') + 1n}`;
}
