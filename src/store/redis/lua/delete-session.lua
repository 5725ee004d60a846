-- delete-session.lua: a session and everything of it: messages, indexes, outbox entries.
-- KEYS[1]  P session:<urn>
-- KEYS[2]  P msgs:<urn>
-- KEYS[3]  P msgtime:<urn>
-- KEYS[4]  P outids:<urn>
-- KEYS[5]  P queue:<urn>
-- KEYS[6]  P failedof:<urn>
-- KEYS[7]  P sessions         (and the admin indexes P sessions:bytime, P sessions:lex)
-- KEYS[8]  P outbox:due
-- KEYS[9]  P outbox:pending
-- KEYS[10] P outbox:failed
-- KEYS[11] P expiry
-- KEYS[12] P cids:<urn>
-- ARGV[1]  prefix P
-- ARGV[2]  urn
-- Returns 1 when the session existed, else 0.
local prefix = ARGV[1]
local existed = redis.call('DEL', KEYS[1])
for _, seq in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do redis.call('ZREM', KEYS[11], ARGV[2] .. '\n' .. seq) end
local pending = redis.call('LRANGE', KEYS[5], 0, -1)
for _, id in ipairs(pending) do redis.call('DEL', prefix .. 'entry:' .. id) end
if #pending > 0 then redis.call('DECRBY', KEYS[9], #pending) end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[6])) do
  redis.call('DEL', prefix .. 'entry:' .. id)
  redis.call('ZREM', KEYS[10], id)
end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[12])
redis.call('SREM', KEYS[7], ARGV[2])
redis.call('ZREM', KEYS[7] .. ':bytime', ARGV[2])
redis.call('ZREM', KEYS[7] .. ':lex', ARGV[2])
redis.call('ZREM', KEYS[8], ARGV[2])
return existed
