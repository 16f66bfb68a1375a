export { PAY_WINDOW_MIN_S, PAY_WINDOW_MAX_S, PAY_WINDOW_DEFAULT_S, activityConfigSchema, activityStatus, shopperView, parseActivity, type ActivityConfig, type ActivityStatus } from './activity.js';
export { redisKeys, zkPaths, type RedisKeys } from './keys.js';
export {
  relayShards,
  relayRequestSchema,
  relayReplySchema,
  qualificationSchema,
  orderRecordSchema,
  ORDER_ID_PATTERN,
  orderId,
  activityOfOrder,
  type RelayRequest,
  type RelayReply,
  type Qualification,
  type OrderRecord,
} from './relay.js';
export { signKeyFor, requestSignature, verifyRequestSignature, qualificationToken, type SignedFields, type QualificationFields } from './crypto.js';
export { ActivityBook } from './activity-book.js';
export { SoldOutFollower, soldOutMessage, stockReturnedMessage, type SoldOutFollowerOptions, type StockReturned } from './sold-out.js';
export {
  BLACKLIST_KINDS,
  BLACKLIST_SOURCES,
  blacklistEntrySchema,
  canonicalIp,
  blacklistChangeSchema,
  isActiveEntry,
  publishBlacklistChanges,
  readBlacklist,
  readBlacklistEntry,
  type BlacklistChange,
  type BlacklistEntry,
  type BlacklistKind,
  type BlacklistSource,
} from './blacklist.js';
export { Blacklist } from './blacklist-memory.js';
export { BatchedCounts, type Tally } from './batched-counts.js';
export { AnswerCounts } from './answer-counts.js';
export { readSold, remainingOf } from './stock.js';
export { parseJson } from './parse-json.js';
export { KILL_BATCH_PATH, KILL_BATCH_MAX, KILL_BATCH_BODY_LIMIT, KILL_BATCHED_BODY_MAX, KILL_AUTHORIZATION_MAX, killBatchSchema, killBatchAnswersSchema, type KillBatch, type KillBatchAnswer } from './kill-batch.js';
