-- advance-delivered.lua: raises a session's deliveredSeq, and drops the newly delivered seqs from
-- the expiry index (ZREM of "in" seqs is a no-op).
-- KEYS[1]  P session:<urn>
-- KEYS[2]  P expiry
-- ARGV[1]  seq proven delivered
-- ARGV[2]  urn
-- Returns deliveredSeq after the call (0 for no session).
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local r = redis.call('HMGET', KEYS[1], 'deliveredSeq', 'lastSeq')
local cur = tonumber(r[1] or '0')
local seq = tonumber(ARGV[1])
if seq > cur then
  redis.call('HSET', KEYS[1], 'deliveredSeq', ARGV[1])
  local upto = math.min(seq, tonumber(r[2] or '0'))
  for s = cur + 1, upto do redis.call('ZREM', KEYS[2], ARGV[2] .. '\n' .. s) end
  return seq
end
return cur
