-- Gives an expired or cancelled order's unit back to the sale, exactly once: only the call that
-- removes the order from the held units moves the counts; a repeat finds it gone and moves nothing.
-- KEYS: loaded (marker), sold, bought (hash user -> count), wins (hash user -> order ids),
--       quals (hash order id -> record), deadlines (zset)
-- ARGV: order id, user id
-- Returns 1 when the unit came back now, 0 when it was not held (already back, or never counted),
-- -1 while the counts are not loaded (being rebuilt from MySQL: try again later).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
local order, user = ARGV[1], ARGV[2]
redis.call('ZREM', KEYS[6], order)
if redis.call('HDEL', KEYS[5], order) == 0 then
  return 0
end
redis.call('DECR', KEYS[2])
if redis.call('HINCRBY', KEYS[3], user, -1) <= 0 then
  redis.call('HDEL', KEYS[3], user)
end
local held = redis.call('HGET', KEYS[4], user)
if held then
  local kept = {}
  for id in string.gmatch(held, '[^,]+') do
    if id ~= order then kept[#kept + 1] = id end
  end
  if #kept == 0 then
    redis.call('HDEL', KEYS[4], user)
  else
    redis.call('HSET', KEYS[4], user, table.concat(kept, ','))
  end
end
return 1
