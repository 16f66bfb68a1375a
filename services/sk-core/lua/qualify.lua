-- One purchase attempt, atomically: every check happens before anything moves.
-- KEYS: sold (count issued), bought (hash user -> count), wins (hash user -> qualification JSON)
-- ARGV: total, buy_limit, user_id, picked (1 when the buy-rate draw admitted the attempt), qualification JSON
-- Returns { code, sold }: 1002 success, 1004 sold out, 1005 not picked, 1006 buy limit reached.
local total = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local user = ARGV[3]

local sold = tonumber(redis.call('GET', KEYS[1]) or '0')
if sold >= total then
  return { 1004, sold }
end
local bought = tonumber(redis.call('HGET', KEYS[2], user) or '0')
if bought >= limit then
  return { 1006, sold }
end
if ARGV[4] ~= '1' then
  return { 1005, sold }
end

sold = redis.call('INCR', KEYS[1])
redis.call('HINCRBY', KEYS[2], user, 1)
redis.call('HSET', KEYS[3], user, ARGV[5])
return { 1002, sold }
