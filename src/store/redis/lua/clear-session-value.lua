-- clear-session-value.lua: removes a session value, optionally only while it holds a given value.
-- KEYS[1]  P sval:<urn>
-- ARGV[1]  name
-- ARGV[2]  the value it must still hold (when ARGV[3] is "1")
-- ARGV[3]  "1": compare with ARGV[2] first; "0": remove whatever it holds
-- Returns the number of values removed (0 or 1).
if ARGV[3] == '1' and redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
return redis.call('HDEL', KEYS[1], ARGV[1])
