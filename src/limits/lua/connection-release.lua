-- connection-release.lua: one connection this node counted from an address group closed.
-- KEYS[1]  P ipconn:<group>   hash: node id -> connections that node holds from the group
-- ARGV[1]  this node's id
-- Returns what this node still holds from the group.
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 0
end
return n
