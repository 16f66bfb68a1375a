import { BLACKLIST_SOURCES, canonicalIp } from '@sk/seckill';
import { z } from 'zod';
import { mirrorStateAnswer } from './envelope.js';

export const ipParamsSchema = z.object({
  ip: z.union([z.ipv4(), z.ipv6()], { error: 'an IPv4 or IPv6 address' }).transform(canonicalIp),
});
/** Optional: a PUT without a body lists with an empty reason. */
export const banBodySchema = z.object({ reason: z.string().trim().max(200).default('') }).nullish();

const blacklistEntry = z.object({
  value: z.string(),
  source: z.enum(BLACKLIST_SOURCES),
  reason: z.string(),
  expires_at: z.iso.datetime().nullable().meta({ description: 'null for an operator’s (permanent) entry' }),
  created_by: z.string().nullable(),
  created_at: z.iso.datetime().nullable(),
});
export const blacklistAnswer = z.object({ users: z.array(blacklistEntry), ips: z.array(blacklistEntry) });
export const bannedAnswer = blacklistEntry.extend({ mirror: mirrorStateAnswer });
export const unbannedAnswer = z.object({ value: z.string(), mirror: mirrorStateAnswer });
