-- Creates the writers' consumer group on an order stream (and the stream), unless it exists.
-- In Lua because XGROUP names its key after a subcommand, so a Redis Cluster client cannot route it.
-- KEYS: the order stream
-- ARGV: the group
-- Returns 1 when the group was created, 0 when it was there already.
local created = redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
if type(created) == 'table' and created.err then
  if string.find(created.err, 'BUSYGROUP', 1, true) then
    return 0
  end
  return redis.error_reply(created.err)
end
return 1
