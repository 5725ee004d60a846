-- admin-oldest.lua: createdAt of the oldest head entry among the first `scan` sessions of the due
-- index (the store overview's oldest pending entry).
-- KEYS[1]  P outbox:due
-- ARGV[1]  prefix P
-- ARGV[2]  scan (how many sessions to look at)
-- Returns the createdAt, or false when none.
local oldest = false
for _, urn in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)) do
  local id = redis.call('LINDEX', ARGV[1] .. 'queue:' .. urn, 0)
  if id then
    local at = tonumber(redis.call('HGET', ARGV[1] .. 'entry:' .. id, 'createdAt'))
    if at and (not oldest or at < oldest) then oldest = at end
  end
end
return oldest
