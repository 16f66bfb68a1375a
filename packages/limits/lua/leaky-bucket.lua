-- nginx limit_req for one key, shared by every gateway: checks and, when allowed, counts in one
-- atomic step, on Redis's clock (the gateways' clocks may disagree). The arithmetic is
-- LeakyBucket's: excess in thousandths of a request, draining at `rate` per millisecond.
-- KEYS[1]: the key's bucket (a hash: excess, last)
-- ARGV: rate (requests/s), burst (thousandths), nodelay (1 or 0), longest delay in ms (-1: none)
-- Returns {1, delay ms} when allowed, {0, retry-after ms} when refused (and not counted).
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local nodelay = ARGV[3] == '1'
local max_delay = tonumber(ARGV[4])

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local state = redis.call('HMGET', KEYS[1], 'excess', 'last')
local excess = 0
if state[1] then
  excess = math.max(tonumber(state[1]) - rate * math.max(now - tonumber(state[2]), 0) + 1000, 0)
end

if excess > burst then
  return {0, math.ceil((excess - burst) / rate)}
end
local delay = 0
if not nodelay then
  delay = excess / rate
  if max_delay >= 0 and delay > max_delay then
    return {0, math.ceil(delay - max_delay)}
  end
end

redis.call('HSET', KEYS[1], 'excess', excess, 'last', now)
-- Once drained, a bucket is the same as none.
redis.call('PEXPIRE', KEYS[1], math.ceil(excess / rate) + 1000)
return {1, math.floor(delay)}
