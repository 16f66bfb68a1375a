import { isIP } from 'node:net';
import type { Redis } from '@sk/storage';
import { z } from 'zod';
import type { RedisKeys } from './keys.js';
import { parseJson } from './parse-json.js';

/**
 * The one spelling of an address that lists, bans and lookups agree on: IPv4 peers may show as
 * IPv4-mapped IPv6 (`::ffff:1.2.3.4`) and are named plainly; IPv6 in lower case.
 */
export const canonicalIp = (ip: string): string => (ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip.toLowerCase());

export const BLACKLIST_KINDS = ['user', 'ip'] as const;
export type BlacklistKind = (typeof BLACKLIST_KINDS)[number];
/** `operator` entries are sk-admin's (MySQL is their truth); `auto` entries are sk-app's automatic bans. */
export const BLACKLIST_SOURCES = ['operator', 'auto'] as const;
export type BlacklistSource = (typeof BLACKLIST_SOURCES)[number];

export const blacklistEntrySchema = z.object({
  reason: z.string(),
  /** ms since epoch; null: until an operator removes it. */
  expires_at: z.number().int().nullable(),
});
export type BlacklistEntry = z.output<typeof blacklistEntrySchema>;

/** A change of one entry, as written to Redis and announced to every sk-app. */
export const blacklistChangeSchema = z.object({
  source: z.enum(BLACKLIST_SOURCES),
  kind: z.enum(BLACKLIST_KINDS),
  value: z.string().min(1),
  /** null: removed. */
  entry: blacklistEntrySchema.nullable(),
});
export type BlacklistChange = z.output<typeof blacklistChangeSchema>;

export const isActiveEntry = (entry: BlacklistEntry, now: number): boolean => entry.expires_at === null || entry.expires_at > now;

/** Every entry held in Redis (expired automatic bans included: readers filter with `isActiveEntry`). */
export async function readBlacklist(redis: Redis, keys: RedisKeys): Promise<BlacklistChange[]> {
  const lists = BLACKLIST_SOURCES.flatMap((source) => BLACKLIST_KINDS.map((kind) => ({ source, kind })));
  const hashes = await Promise.all(lists.map(({ source, kind }) => redis.hgetall(keys.blacklist(source, kind))));
  return lists.flatMap(({ source, kind }, i) =>
    Object.entries(hashes[i] ?? {}).flatMap(([value, raw]) => {
      const entry = parseJson(blacklistEntrySchema, raw);
      return entry ? [{ source, kind, value, entry }] : [];
    }),
  );
}

/** The entry `source` holds in Redis for the user or IP (expired or not), if any. */
export async function readBlacklistEntry(redis: Redis, keys: RedisKeys, source: BlacklistSource, kind: BlacklistKind, value: string): Promise<BlacklistEntry | undefined> {
  const raw = await redis.hget(keys.blacklist(source, kind), value);
  return raw === null ? undefined : parseJson(blacklistEntrySchema, raw);
}

/** Writes the changes to the Redis hashes and announces each, in one MULTI (so no announcement precedes its write). */
export async function publishBlacklistChanges(redis: Redis, keys: RedisKeys, changes: BlacklistChange[]): Promise<void> {
  if (changes.length === 0) return;
  const tx = redis.multi();
  for (const change of changes) {
    const key = keys.blacklist(change.source, change.kind);
    if (change.entry) tx.hset(key, change.value, JSON.stringify(change.entry));
    else tx.hdel(key, change.value);
    tx.publish(keys.blacklistChannel, JSON.stringify(change));
  }
  await tx.exec();
}
