-- fail-outbox.lua: gives up on a pending entry; kept as failed (function: reindex-head.lua).
-- KEYS[1]  P entry:<id>
-- KEYS[2]  P queue:<urn>
-- KEYS[3]  P failedof:<urn>   set of the session's failed entry ids
-- KEYS[4]  P outbox:due
-- KEYS[5]  P outbox:pending
-- KEYS[6]  P outbox:failed    zset id -> createdAt of failed entries
-- ARGV[1]  prefix P
-- ARGV[2]  urn
-- ARGV[3]  entry id
-- ARGV[4]  reason
-- Returns 1, or 0 when the entry is not pending.
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'failed', 'leaseUntil', 0, 'lastError', ARGV[4])
redis.call('LREM', KEYS[2], 1, ARGV[3])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('ZADD', KEYS[6], redis.call('HGET', KEYS[1], 'createdAt'), ARGV[3])
redis.call('DECR', KEYS[5])
reindex(ARGV[1], KEYS[2], KEYS[4], ARGV[2])
return 1
