-- Purchase attempts on one activity, decided and recorded atomically in one step: for each attempt
-- every check happens before anything moves, the stock can never go below zero, and a win is at
-- once an order (its id fixed here) in the activity's order stream: no second write can fail apart.
-- An attempt's nonce key keeps its outcome: the same attempt run again (a resend of this step, or
-- of the relay push) gets its first outcome back and moves nothing; another attempt with the same
-- nonce gets 1110.
-- KEYS: loaded (marker), sold (count issued), bought (hash user -> count), wins (hash user -> order
--       ids), quals (hash order id -> record), orders (stream), deadlines (zset order id -> pay_by),
--       seq (order sequence), then one nonce key per attempt
-- ARGV: total, buy_limit, activity_id, then per attempt: user_id, picked (1 when the buy-rate draw
--       admitted it), record JSON without order_id and seq, nonce lifetime in ms, pay_by (ms),
--       attempt id
-- Returns {-1} while the activity's counts are not loaded (new, or lost and being rebuilt from
-- MySQL); otherwise a code and an order id ('' unless 1002; for a win run again, its stored record
-- JSON, or '' once the order gave its unit back) per attempt, then the count sold:
-- 1002 success, 1004 sold out, 1005 not picked, 1006 buy limit reached, 1110 nonce already used.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1}
end
local total = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local activity = ARGV[3]
local sold = tonumber(redis.call('GET', KEYS[2]) or '0')
local issued = 0
local answers = {}

for i = 1, #KEYS - 8 do
  local at = 3 + (i - 1) * 6
  local user, picked, record, nonce_ttl, pay_by, attempt = ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], ARGV[at + 4], ARGV[at + 5], ARGV[at + 6]
  local code, order = 0, ''
  local seen = redis.call('GET', KEYS[8 + i])
  if seen then
    -- '<attempt id> <code> <order id>'
    local id, first, first_order = string.match(seen, '^(%S+) (%d+) ?(%S*)$')
    if id == attempt then
      -- a win run again answers its stored record (order id and all), '' once the order gave its unit back
      code, order = tonumber(first), first_order
      if code == 1002 then order = redis.call('HGET', KEYS[5], first_order) or '' end
    else
      code = 1110
    end
  elseif sold + issued >= total then
    code = 1004
  elseif tonumber(redis.call('HGET', KEYS[3], user) or '0') >= limit then
    code = 1006
  elseif picked ~= '1' then
    code = 1005
  else
    issued = issued + 1
    local seq = redis.call('INCR', KEYS[8])
    order = activity .. '-' .. seq
    record = string.sub(record, 1, -2) .. ',"order_id":"' .. order .. '","seq":' .. seq .. '}'
    redis.call('HINCRBY', KEYS[3], user, 1)
    local held = redis.call('HGET', KEYS[4], user)
    redis.call('HSET', KEYS[4], user, held and (held .. ',' .. order) or order)
    redis.call('HSET', KEYS[5], order, record)
    redis.call('ZADD', KEYS[7], pay_by, order)
    redis.call('XADD', KEYS[6], '*', 'o', record)
    code = 1002
  end
  if not seen then
    redis.call('SET', KEYS[8 + i], attempt .. ' ' .. code .. ' ' .. order, 'PX', nonce_ttl)
  end
  answers[2 * i - 1] = code
  answers[2 * i] = order
end

if issued > 0 then
  sold = redis.call('INCRBY', KEYS[2], issued)
end
answers[#answers + 1] = sold
return answers
