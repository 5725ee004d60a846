-- claim-outbox.lua: leases the head entry of up to `limit` sessions whose due time has come, and
-- moves those sessions' due time to the lease end, so no other caller gets them until then.
-- KEYS[1]  P outbox:due       zset urn -> when its head may be claimed
-- ARGV[1]  prefix P
-- ARGV[2]  now
-- ARGV[3]  limit
-- ARGV[4]  lease in ms
-- Returns a flat list: id, urn, seq, messageId, text, createdAt, attempts, ... per entry.
local prefix, now, leaseUntil = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[2]) + tonumber(ARGV[4])
local out = {}
local urns = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
for _, urn in ipairs(urns) do
  local id = redis.call('LINDEX', prefix .. 'queue:' .. urn, 0)
  if id then
    local key = prefix .. 'entry:' .. id
    local e = redis.call('HMGET', key, 'seq', 'messageId', 'text', 'createdAt', 'attempts')
    redis.call('HSET', key, 'leaseUntil', leaseUntil)
    redis.call('ZADD', KEYS[1], leaseUntil, urn)
    table.insert(out, id)
    table.insert(out, urn)
    for _, v in ipairs(e) do table.insert(out, v) end
  else
    redis.call('ZREM', KEYS[1], urn) -- cannot happen while the scripts keep the index right
  end
end
return out
