-- The writers' progress on an order stream: the oldest entry they have not acknowledged (pending at
-- a writer, or not delivered yet) and the last one delivered; false (nil) where there is none.
-- In Lua because XINFO names its key after a subcommand, so a Redis Cluster client cannot route it.
-- KEYS: the order stream
-- ARGV: the group
local last = false
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local fields = {}
  for i = 1, #group, 2 do
    fields[group[i]] = group[i + 1]
  end
  if fields['name'] == ARGV[1] and fields['last-delivered-id'] ~= '0-0' then
    last = fields['last-delivered-id']
  end
end
local pending = redis.call('XPENDING', KEYS[1], ARGV[1])
if pending[1] > 0 then
  return {pending[2], last}
end
local next = redis.call('XRANGE', KEYS[1], last and ('(' .. last) or '-', '+', 'COUNT', 1)
return {next[1] and next[1][1] or false, last}
