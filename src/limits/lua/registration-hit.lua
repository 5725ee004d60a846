-- registration-hit.lua: count one registration from an address group in a sliding window,
-- unless the group already had the maximum in it. Atomic; the zset holds at most the maximum.
-- KEYS[1]  P ipreg:<group>    zset: member = unique hit id, score = when (ms, Redis clock)
-- ARGV[1]  the maximum (MAX_REGISTRATIONS_PER_MINUTE)
-- ARGV[2]  the window in ms (60000)
-- ARGV[3]  a unique id for this hit (node id + counter)
-- Returns 1 when counted, 0 when refused.
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], nowMs, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
