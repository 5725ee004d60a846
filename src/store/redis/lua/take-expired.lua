-- take-expired.lua: takes up to `limit` members of the expiry index created before cutoff, oldest
-- first; each member read leaves the index: returned when its message still exists and is past
-- deliveredSeq, dropped otherwise.
-- KEYS[1]  P expiry           zset "<urn>\n<seq>" -> createdAt
-- ARGV[1]  prefix P
-- ARGV[2]  cutoff
-- ARGV[3]  limit
-- Returns a flat list: urn, message member, ...
local prefix, limit = ARGV[1], tonumber(ARGV[3])
local out, n = {}, 0
while n < limit do
  local batch = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', 0, limit - n)
  if #batch == 0 then break end
  for _, member in ipairs(batch) do
    redis.call('ZREM', KEYS[1], member)
    local urn, seq = string.match(member, '^(.*)\n(%d+)$')
    if urn then
      local delivered = tonumber(redis.call('HGET', prefix .. 'session:' .. urn, 'deliveredSeq') or '-1')
      if delivered >= 0 and tonumber(seq) > delivered then
        local found = redis.call('ZRANGEBYSCORE', prefix .. 'msgs:' .. urn, seq, seq)
        if found[1] then
          table.insert(out, urn)
          table.insert(out, found[1])
          n = n + 1
        end
      end
    end
  end
end
return out
