-- put-session-value.lua: stores a session value, only while the session exists (a value never
-- outlives its session).
-- KEYS[1]  P session:<urn>
-- KEYS[2]  P sval:<urn>
-- ARGV[1]  name
-- ARGV[2]  value
-- ARGV[3]  "1": only when the name has no value yet; "0": always
-- Returns the value held after the call, or false when the session does not exist.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if ARGV[3] == '1' then redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) else redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
return redis.call('HGET', KEYS[2], ARGV[1])
