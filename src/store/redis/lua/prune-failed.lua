-- prune-failed.lua: drops failed outbox entries created before cutoff (kept for inspection as
-- long as messages are).
-- KEYS[1]  P outbox:failed    zset id -> createdAt
-- ARGV[1]  prefix P
-- ARGV[2]  cutoff
-- Returns 0.
local prefix = ARGV[1]
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])) do
  local key = prefix .. 'entry:' .. id
  local urn = redis.call('HGET', key, 'urn')
  if urn then redis.call('SREM', prefix .. 'failedof:' .. urn, id) end
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[1], id)
end
return 0
