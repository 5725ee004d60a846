-- heartbeat.lua: this node is alive for another ARGV[2] ms; forget nodes silent for an hour.
-- KEYS[1]  P nodes            zset: node id -> alive until (ms, Redis clock)
-- ARGV[1]  this node's id
-- ARGV[2]  how long the node counts as alive without another heartbeat, in ms
-- Returns 1.
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZADD', KEYS[1], nowMs + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs - 3600000)
return 1
