-- admin-requeue.lua: a failed entry goes back to the end of its session's queue with a fresh age
-- and no attempts.
-- KEYS[1]  P entry:<id>
-- KEYS[2]  P outbox:failed
-- KEYS[3]  P outbox:pending
-- KEYS[4]  P outbox:due
-- ARGV[1]  prefix P
-- ARGV[2]  entry id
-- ARGV[3]  now
-- Returns 'requeued', 'not_failed' or 'unknown'.
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'unknown' end
if state ~= 'failed' then return 'not_failed' end
local urn = redis.call('HGET', KEYS[1], 'urn')
if redis.call('EXISTS', ARGV[1] .. 'session:' .. urn) == 0 then return 'unknown' end
redis.call('HSET', KEYS[1], 'state', 'pending', 'attempts', 0, 'nextAt', ARGV[3], 'createdAt', ARGV[3], 'leaseUntil', 0)
redis.call('HDEL', KEYS[1], 'lastError')
redis.call('SREM', ARGV[1] .. 'failedof:' .. urn, ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[2])
if redis.call('RPUSH', ARGV[1] .. 'queue:' .. urn, ARGV[2]) == 1 then redis.call('ZADD', KEYS[4], ARGV[3], urn) end
redis.call('INCR', KEYS[3])
return 'requeued'
