-- Purchase attempts on one activity, decided atomically in one step: for each attempt every
-- check happens before anything moves, and the stock can never go below zero.
-- KEYS: sold (count issued), bought (hash user -> count), wins (hash user -> qualification JSON),
--       then one nonce key per attempt (claimed once)
-- ARGV: total, buy_limit, then per attempt: user_id, picked (1 when the buy-rate draw admitted
--       it), qualification JSON, nonce lifetime in ms
-- Returns one code per attempt, then the count sold: 1002 success, 1004 sold out, 1005 not picked,
-- 1006 buy limit reached, 1110 nonce already used.
local total = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local sold = tonumber(redis.call('GET', KEYS[1]) or '0')
local issued = 0
local answers = {}

for i = 1, #KEYS - 3 do
  local at = 2 + (i - 1) * 4
  local user, picked, qualification, nonce_ttl = ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], ARGV[at + 4]
  local code
  if not redis.call('SET', KEYS[3 + i], '1', 'NX', 'PX', nonce_ttl) then
    code = 1110
  elseif sold + issued >= total then
    code = 1004
  elseif tonumber(redis.call('HGET', KEYS[2], user) or '0') >= limit then
    code = 1006
  elseif picked ~= '1' then
    code = 1005
  else
    issued = issued + 1
    redis.call('HINCRBY', KEYS[2], user, 1)
    redis.call('HSET', KEYS[3], user, qualification)
    code = 1002
  end
  answers[i] = code
end

if issued > 0 then
  sold = redis.call('INCRBY', KEYS[1], issued)
end
answers[#answers + 1] = sold
return answers
