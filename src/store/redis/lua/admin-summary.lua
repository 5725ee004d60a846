-- admin-summary.lua: the admin role's summary of each urn given (admin.ts).
-- (no KEYS: the keys are derived from the urns)
-- ARGV[1]  prefix P
-- ARGV[2]  cap of the undelivered count
-- ARGV[3..] urns
-- Returns per urn 9 fields: found ('1' or ''), channelUuid, hostApi|'', createdAt, deliveredSeq,
-- lastMessageAt|'', undelivered (capped), pending, failed.
local prefix, cap, out = ARGV[1], tonumber(ARGV[2]), {}
for i = 3, #ARGV do
  local urn = ARGV[i]
  local s = redis.call('HMGET', prefix .. 'session:' .. urn, 'channelUuid', 'hostApi', 'createdAt', 'deliveredSeq')
  if not s[1] then
    for _ = 1, 9 do table.insert(out, '') end
  else
    local msgs = prefix .. 'msgs:' .. urn
    local last = redis.call('ZREVRANGE', msgs, 0, 0)
    local lastAt = ''
    if last[1] then lastAt = string.match(last[1], '"createdAt":(%d+)}$') or '' end
    local n = 0
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', msgs, '(' .. (s[4] or '0'), '+inf', 'LIMIT', 0, cap * 4)) do
      if string.find(m, '^{"seq":%d+,"direction":"out"') then n = n + 1 end
      if n >= cap then break end
    end
    table.insert(out, '1'); table.insert(out, s[1]); table.insert(out, s[2] or ''); table.insert(out, s[3])
    table.insert(out, s[4] or '0'); table.insert(out, lastAt); table.insert(out, tostring(n))
    table.insert(out, tostring(redis.call('LLEN', prefix .. 'queue:' .. urn)))
    table.insert(out, tostring(redis.call('SCARD', prefix .. 'failedof:' .. urn)))
  end
end
return out
