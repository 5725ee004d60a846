-- prune-session.lua: retention for one session. A message goes when createdAt < cutoff or it is
-- not among the newest maxMessages; its dedupe entries (outids, cids) and expiry member go with it.
-- KEYS[1]  P msgs:<urn>
-- KEYS[2]  P msgtime:<urn>
-- KEYS[3]  P outids:<urn>
-- KEYS[4]  P expiry
-- KEYS[5]  P cids:<urn>
-- ARGV[1]  cutoff (createdAt)
-- ARGV[2]  maxMessages
-- ARGV[3]  urn
-- Returns how many messages went.
local doomed = {}
for _, seq in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1])) do doomed[tonumber(seq)] = true end
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
if excess > 0 then
  -- WITHSCORES alternates member, score; the score is the seq
  local r = redis.call('ZRANGE', KEYS[1], 0, excess - 1, 'WITHSCORES')
  for i = 2, #r, 2 do doomed[tonumber(r[i])] = true end
end
local removed = 0
for seq in pairs(doomed) do
  local found = redis.call('ZRANGEBYSCORE', KEYS[1], seq, seq)
  if found[1] then
    -- Decoding only to read direction and id; the stored JSON is never re-encoded.
    local m = cjson.decode(found[1])
    if m.direction == 'out' then
      local known = redis.call('HGET', KEYS[3], m.id)
      if known then
        local left = {}
        for s in string.gmatch(known, '%d+') do if tonumber(s) ~= seq then left[#left + 1] = s end end
        if #left == 0 then redis.call('HDEL', KEYS[3], m.id) else redis.call('HSET', KEYS[3], m.id, table.concat(left, ' ')) end
      end
    end
    if m.direction == 'out' then redis.call('ZREM', KEYS[4], ARGV[3] .. '\n' .. seq) end
    local cid = type(m.payload) == 'table' and m.payload.clientMessageId
    if m.direction == 'in' and type(cid) == 'string' and redis.call('HGET', KEYS[5], cid) == tostring(seq) then
      redis.call('HDEL', KEYS[5], cid)
    end
    redis.call('ZREMRANGEBYSCORE', KEYS[1], seq, seq)
    removed = removed + 1
  end
  redis.call('ZREM', KEYS[2], seq)
end
return removed
