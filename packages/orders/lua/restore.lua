-- Rebuilds an activity's sale counts from MySQL's orders (the truth), in steps, while nothing sells:
-- 'begin' removes the loaded marker (so every qualification step refuses) and the counts, then
-- each 'load' adds a chunk of held orders; the last one sets the marker again. A token held in
-- `restoring` keeps two rebuilders apart; one that lost it (expired) stops.
-- KEYS: restoring, loaded, sold, bought, wins, quals, deadlines, seq
-- ARGV: token, phase ('begin' | 'load' | 'abort': gives the hold up, leaving the activity unloaded), then
--   begin: force ('1' also rebuilds a loaded activity; otherwise a loaded one is left alone)
--   load: last ('1' on the final chunk), seq floor, then per order: order id, user id, record, pay_by ('' once paid)
-- Returns 'ok', 'loaded' (begin without force on a loaded activity), 'busy' (another rebuilder holds
-- it) or 'lost' (this rebuilder's hold expired).
local LEASE_MS = 60000
local token, phase = ARGV[1], ARGV[2]
if phase == 'begin' then
  if ARGV[3] ~= '1' and redis.call('EXISTS', KEYS[2]) == 1 then
    return 'loaded'
  end
  if not redis.call('SET', KEYS[1], token, 'NX', 'PX', LEASE_MS) then
    return 'busy'
  end
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
  return 'ok'
end

if redis.call('GET', KEYS[1]) ~= token then
  return 'lost'
end
if phase == 'abort' then
  redis.call('DEL', KEYS[1])
  return 'ok'
end
redis.call('PEXPIRE', KEYS[1], LEASE_MS)
local count = 0
for at = 5, #ARGV, 4 do
  local order, user, record, pay_by = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
  if redis.call('HSETNX', KEYS[6], order, record) == 1 then
    count = count + 1
    redis.call('HINCRBY', KEYS[4], user, 1)
    local held = redis.call('HGET', KEYS[5], user)
    redis.call('HSET', KEYS[5], user, held and (held .. ',' .. order) or order)
    if pay_by ~= '' then
      redis.call('ZADD', KEYS[7], pay_by, order)
    end
  end
end
redis.call('INCRBY', KEYS[3], count)
if ARGV[3] == '1' then
  local floor = tonumber(ARGV[4])
  if tonumber(redis.call('GET', KEYS[8]) or '0') < floor then
    redis.call('SET', KEYS[8], floor)
  end
  redis.call('SET', KEYS[2], '1')
  redis.call('DEL', KEYS[1])
end
return 'ok'
