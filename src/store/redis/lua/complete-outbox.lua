-- complete-outbox.lua: a pending entry was forwarded; it goes (function: reindex-head.lua).
-- KEYS[1]  P entry:<id>       hash
-- KEYS[2]  P queue:<urn>
-- KEYS[3]  P outbox:due
-- KEYS[4]  P outbox:pending
-- ARGV[1]  prefix P
-- ARGV[2]  urn
-- ARGV[3]  entry id
-- Returns 1, or 0 when the entry is not pending (gone or failed).
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return 0 end
redis.call('DEL', KEYS[1])
redis.call('LREM', KEYS[2], 1, ARGV[3])
redis.call('DECR', KEYS[4])
reindex(ARGV[1], KEYS[2], KEYS[3], ARGV[2])
return 1
