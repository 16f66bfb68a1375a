import { isIP } from 'node:net';
import { z } from 'zod';
import { parseJson } from '../parse-json.js';

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

/** An entry, as held (JSON) in its Redis hash (`keys.blacklist(source, kind)`) under its user id or address. */
export const blacklistEntrySchema = z.object({
  reason: z.string(),
  /** ms since epoch; null: until an operator removes it. */
  expires_at: z.number().int().nullable(),
});
export type BlacklistEntry = z.output<typeof blacklistEntrySchema>;

/** A change of one entry, as written to Redis and announced to every sk-app (`keys.blacklistChannel`). */
export const blacklistChangeSchema = z.object({
  source: z.enum(BLACKLIST_SOURCES),
  kind: z.enum(BLACKLIST_KINDS),
  value: z.string().min(1),
  /** null: removed. */
  entry: blacklistEntrySchema.nullable(),
});
export type BlacklistChange = z.output<typeof blacklistChangeSchema>;

/** An entry's value in its hash. */
export const blacklistEntryValue = (entry: BlacklistEntry): string => JSON.stringify(entry);
/** An entry read from its hash; undefined when malformed. */
export const parseBlacklistEntry = (raw: string): BlacklistEntry | undefined => parseJson(blacklistEntrySchema, raw);

/** The announcement of a change. */
export const blacklistChangeMessage = (change: BlacklistChange): string => JSON.stringify(change);
/** An announcement heard; undefined when malformed. */
export const parseBlacklistChange = (message: string): BlacklistChange | undefined => parseJson(blacklistChangeSchema, message);
