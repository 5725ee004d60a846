-- retry-outbox.lua: releases a pending entry's lease and schedules it again.
-- KEYS[1]  P entry:<id>
-- KEYS[2]  P queue:<urn>
-- KEYS[3]  P outbox:due
-- ARGV[1]  urn
-- ARGV[2]  entry id
-- ARGV[3]  next attempt at
-- ARGV[4]  error of this attempt
-- Returns 1, or 0 when the entry is not pending.
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return 0 end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'nextAt', ARGV[3], 'leaseUntil', 0, 'lastError', ARGV[4])
if redis.call('LINDEX', KEYS[2], 0) == ARGV[2] then redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1]) end
return 1
