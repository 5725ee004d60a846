-- connection-acquire.lua: count one more open connection from an address group, unless the
-- group already has the maximum open across all live nodes. Atomic; O(nodes) per call.
-- KEYS[1]  P ipconn:<group>   hash: node id -> connections that node holds from the group
-- KEYS[2]  P nodes            zset: node id -> alive until (ms, Redis clock); heartbeat.lua
-- ARGV[1]  this node's id
-- ARGV[2]  the maximum (MAX_CONNECTIONS_PER_IP)
-- ARGV[3]  TTL of KEYS[1] in ms, renewed on every acquire (a group nobody connects from goes)
-- Returns the count before this connection: >= 0 when counted, -(count) - 1 when refused.
-- Fields of nodes whose heartbeat lapsed (crashed nodes) are dropped as they are met.
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local total = 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local node, n = fields[i], tonumber(fields[i + 1])
  if node == ARGV[1] then
    total = total + n
  else
    local alive = redis.call('ZSCORE', KEYS[2], node)
    if alive and tonumber(alive) >= nowMs then
      total = total + n
    else
      redis.call('HDEL', KEYS[1], node)
    end
  end
end
if total >= tonumber(ARGV[2]) then return -total - 1 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return total
