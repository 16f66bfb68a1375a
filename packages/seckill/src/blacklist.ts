import type { Redis } from '@sk/storage';
import type { RedisKeys } from './wire/keys.js';
import {
  BLACKLIST_KINDS,
  BLACKLIST_SOURCES,
  blacklistChangeMessage,
  blacklistEntryValue,
  parseBlacklistEntry,
  type BlacklistChange,
  type BlacklistEntry,
  type BlacklistKind,
  type BlacklistSource,
} from './wire/blacklist.js';

export const isActiveEntry = (entry: BlacklistEntry, now: number): boolean => entry.expires_at === null || entry.expires_at > now;

/** Every entry held in Redis (expired automatic bans included: readers filter with `isActiveEntry`). */
export async function readBlacklist(redis: Redis, keys: RedisKeys): Promise<BlacklistChange[]> {
  const lists = BLACKLIST_SOURCES.flatMap((source) => BLACKLIST_KINDS.map((kind) => ({ source, kind })));
  const hashes = await Promise.all(lists.map(({ source, kind }) => redis.hgetall(keys.blacklist(source, kind))));
  return lists.flatMap(({ source, kind }, i) =>
    Object.entries(hashes[i] ?? {}).flatMap(([value, raw]) => {
      const entry = parseBlacklistEntry(raw);
      return entry ? [{ source, kind, value, entry }] : [];
    }),
  );
}

/** The entry `source` holds in Redis for the user or IP (expired or not), if any. */
export async function readBlacklistEntry(
  redis: Redis,
  keys: RedisKeys,
  source: BlacklistSource,
  kind: BlacklistKind,
  value: string,
): Promise<BlacklistEntry | undefined> {
  const raw = await redis.hget(keys.blacklist(source, kind), value);
  return raw === null ? undefined : parseBlacklistEntry(raw);
}

/** Writes the changes to the Redis hashes and announces each, in one MULTI (so no announcement precedes its write). */
export async function publishBlacklistChanges(redis: Redis, keys: RedisKeys, changes: BlacklistChange[]): Promise<void> {
  if (changes.length === 0) return;
  const tx = redis.multi();
  for (const change of changes) {
    const key = keys.blacklist(change.source, change.kind);
    if (change.entry) tx.hset(key, change.value, blacklistEntryValue(change.entry));
    else tx.hdel(key, change.value);
    tx.publish(keys.blacklistChannel, blacklistChangeMessage(change));
  }
  await tx.exec();
}
