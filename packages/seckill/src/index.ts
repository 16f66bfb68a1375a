export {
  PAY_WINDOW_MIN_S,
  PAY_WINDOW_MAX_S,
  PAY_WINDOW_DEFAULT_S,
  activityConfigSchema,
  activityStatus,
  shopperView,
  parseActivity,
  type ActivityConfig,
  type ActivityStatus,
} from './activity.js';
// The wire contract: what crosses processes (Redis keys and channels, their messages, the relay,
// the order stream, the gateway's kill batches and headers), each defined once in ./wire.
export { redisKeys, zkPaths, type RedisKeys } from './wire/keys.js';
export { relayShards, relayRequestSchema, relayReplySchema, type RelayRequest, type RelayReply } from './wire/relay.js';
export {
  qualificationSchema,
  orderRecordSchema,
  ORDER_ID_PATTERN,
  ORDER_STREAM_FIELD,
  orderId,
  activityOfOrder,
  orderRecordsOf,
  type Qualification,
  type OrderRecord,
  type StreamEntry,
} from './wire/orders.js';
export {
  soldOutMessage,
  parseSoldOut,
  stockReturnedMessage,
  parseStockReturned,
  type SoldOut,
  type StockReturned,
} from './wire/sold-out.js';
export {
  BLACKLIST_KINDS,
  BLACKLIST_SOURCES,
  blacklistEntrySchema,
  blacklistChangeSchema,
  blacklistEntryValue,
  parseBlacklistEntry,
  blacklistChangeMessage,
  parseBlacklistChange,
  canonicalIp,
  type BlacklistChange,
  type BlacklistEntry,
  type BlacklistKind,
  type BlacklistSource,
} from './wire/blacklist.js';
export {
  KILL_BATCH_PATH,
  KILL_BATCH_MAX,
  KILL_BATCH_BODY_LIMIT,
  KILL_BATCHED_BODY_MAX,
  KILL_AUTHORIZATION_MAX,
  killBatchSchema,
  killBatchAnswersSchema,
  type KillBatch,
  type KillBatchAnswer,
} from './wire/kill-batch.js';
export { GATEWAY_HEADER_PREFIX, GATEWAY_HEADERS, sealedFields } from './wire/headers.js';
export {
  signKeyFor,
  requestSignature,
  verifyRequestSignature,
  qualificationToken,
  type SignedFields,
  type QualificationFields,
} from './crypto.js';
export { ActivityBook } from './activity-book.js';
export { SoldOutFollower, type SoldOutFollowerOptions } from './sold-out.js';
export { isActiveEntry, publishBlacklistChanges, readBlacklist, readBlacklistEntry } from './blacklist.js';
export { Blacklist } from './blacklist-memory.js';
export { BatchedCounts, type Tally } from './batched-counts.js';
export { AnswerCounts } from './answer-counts.js';
export { readSold, remainingOf } from './stock.js';
export { parseJson } from './parse-json.js';
