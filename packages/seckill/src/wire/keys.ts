import { keySlot } from '@sk/storage';
import type { BlacklistKind, BlacklistSource } from './blacklist.js';

const SLOTS = 16_384;

/**
 * Hash tags for `count` relay lists, the i-th in the i-th of `count` equal ranges of the cluster's
 * slots: a cluster whose masters hold equal runs of slots (as `redis-cli --cluster create` deals
 * them) gets its share of the lists on each master, so no node takes every attempt.
 */
function relayTags(count: number): string[] {
  return Array.from({ length: count }, (_, shard) => {
    for (let n = 0; ; n++) {
      const tag = `relay-${shard}-${n}`;
      if (Math.floor((keySlot(tag) * count) / SLOTS) === shard) return tag;
    }
  });
}

/**
 * Redis key and channel names. Keys of one activity share the hash tag `{a<id>}` so one Lua step
 * can touch them all, also on Redis Cluster. What each holds is described here; the messages of
 * the channels and lists are in this directory (relay.ts, sold-out.ts, blacklist.ts, orders.ts).
 */
export function redisKeys(prefix: string) {
  const tag = (activityId: number) => `${prefix}{a${activityId}}`;
  const relayLists = (count: number) => relayTags(count).map((relayTag) => `${prefix}{${relayTag}}:requests`);
  return {
    /** Qualifications issued so far (integer). */
    sold: (activityId: number) => `${tag(activityId)}:sold`,
    /** Hash user id → qualifications held. */
    bought: (activityId: number) => `${tag(activityId)}:bought`,
    /** Hash user id → the order ids the user holds, oldest first, comma-separated (what `/sec/result` answers). */
    wins: (activityId: number) => `${tag(activityId)}:wins`,
    /** Hash order id → its qualification (JSON): the units held. Removing an order here gives its unit back, once. */
    quals: (activityId: number) => `${tag(activityId)}:quals`,
    /** Stream of order events, appended by the step that issues the qualification; the order writer's source. */
    orders: (activityId: number) => `${tag(activityId)}:orders`,
    /** Sorted set order id → `pay_by` (ms) of the unpaid orders: what expiry looks at first. */
    deadlines: (activityId: number) => `${tag(activityId)}:deadlines`,
    /** Per-activity order sequence (the `<activity>-<seq>` order ids). */
    seq: (activityId: number) => `${tag(activityId)}:seq`,
    /** Present once the activity's counts are loaded (new, or rebuilt from MySQL): nothing sells without it. */
    loaded: (activityId: number) => `${tag(activityId)}:loaded`,
    /** Held by whoever rebuilds the activity's counts from MySQL. */
    restoring: (activityId: number) => `${tag(activityId)}:restoring`,
    /** Hash answer code → /sec/kill answers of the activity with that code, summed over sk-app instances. */
    answers: (activityId: number) => `${tag(activityId)}:answers`,
    /** A used nonce, in the activity's slot so the Lua step claims it with the purchase. */
    nonce: (activityId: number, userId: number, nonce: string) => `${tag(activityId)}:nonce:${userId}:${nonce}`,
    /** The relay's request lists when it spreads attempts over `count` of them (RELAY_SHARDS). */
    relayLists,
    /** The relay's one request list when it has one. */
    requests: relayLists(1)[0]!,
    replies: (instanceId: string) => `${prefix}relay:replies:${instanceId}`,
    soldOutChannel: `${prefix}events:sold-out`,
    /** A unit given back (an order expired or was cancelled) or counts rebuilt: sold-out and buy-limit knowledge is stale. */
    stockReturnedChannel: `${prefix}events:stock-returned`,
    /** Hash value → blacklist entry (JSON): `operator` mirrors MySQL, `auto` holds automatic bans. One slot, for one MULTI. */
    blacklist: (source: BlacklistSource, kind: BlacklistKind) => `${prefix}{blacklist}:${source}:${kind}`,
    blacklistChannel: `${prefix}events:blacklist`,
    /** /sec/kill requests of one user or IP in one counting window, for automatic bans. */
    requestCount: (kind: 'user' | 'ip', value: string, window: number) => `${prefix}autoban:${kind}:${value}:${window}`,
    /** Prefix of the gateways' shared rate-limit buckets (`<rule>:<user id>`). */
    rateLimits: `${prefix}ratelimit:`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;

/** ZooKeeper paths under the configured root. */
export function zkPaths(root: string) {
  return {
    activities: `${root}/activities`,
    activity: (activityId: number) => `${root}/activities/${activityId}`,
  };
}
