-- Queues a batch of purchase attempts on the relay list, unless the list already holds what
-- sk-core can drain within the attempts' timeout: past that they would only wait to time out, and
-- with sk-core down the list would grow until Redis ran out of memory.
-- KEYS: the relay list
-- ARGV: the depth allowed, then the attempts (JSON)
-- Returns the list's new length, or -1 when nothing was queued (the list is full).
if redis.call('LLEN', KEYS[1]) + #ARGV - 1 > tonumber(ARGV[1]) then
  return -1
end
return redis.call('LPUSH', KEYS[1], unpack(ARGV, 2))
