-- append-outbound.lua: stores a platform message, or finds it stored (function: message-member.lua).
-- KEYS[1]  P session:<urn>
-- KEYS[2]  P msgs:<urn>
-- KEYS[3]  P msgtime:<urn>
-- KEYS[4]  P outids:<urn>     hash platform id -> seqs of its stored parts, "5 9"
-- KEYS[5]  P expiry           zset "<urn>\n<seq>" -> createdAt of undelivered "out" messages
-- ARGV[1]  message body without its seq
-- ARGV[2]  createdAt
-- ARGV[3]  platform id
-- ARGV[4]  urn
-- ARGV[5]  text
-- Returns {duplicate (1|0), member}, or false for no session. The same text again under a known
-- platform id is a duplicate of that part; another text is the next part, whose member carries
-- "part":n (parseMessage derives its id).
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local known = redis.call('HGET', KEYS[4], ARGV[3])
local part = 1
if known then
  for s in string.gmatch(known, '%d+') do
    local found = redis.call('ZRANGEBYSCORE', KEYS[2], s, s)
    -- (a seq whose message is gone is skipped; prune normally removes such seqs)
    if found[1] then
      local m = cjson.decode(found[1])
      if m.text == ARGV[5] then return {1, found[1]} end
      part = math.max(part, (tonumber(m.part) or 1) + 1)
    end
  end
end
local seq = redis.call('HINCRBY', KEYS[1], 'lastSeq', 1)
local m
if part > 1 then m = '{"seq":' .. seq .. ',"part":' .. part .. ',' .. string.sub(ARGV[1], 2) else m = member(seq, ARGV[1]) end
redis.call('ZADD', KEYS[2], seq, m)
redis.call('ZADD', KEYS[3], ARGV[2], seq)
if known then redis.call('HSET', KEYS[4], ARGV[3], known .. ' ' .. seq) else redis.call('HSET', KEYS[4], ARGV[3], seq) end
redis.call('ZADD', KEYS[5], ARGV[2], ARGV[4] .. '\n' .. seq)
return {0, m}
