-- append-inbound-once.lua: append-inbound.lua keyed by the client's message id (functions:
-- message-member.lua, append-in.lua).
-- KEYS[1]  P session:<urn>    (KEYS[1..7] and ARGV[1..6] as in append-inbound.lua; ARGV[3] unused)
-- KEYS[2]  P msgs:<urn>
-- KEYS[3]  P msgtime:<urn>
-- KEYS[4]  P queue:<urn>
-- KEYS[5]  P outbox:due
-- KEYS[6]  P outbox:id
-- KEYS[7]  P outbox:pending
-- KEYS[8]  P cids:<urn>       hash clientMessageId -> seq of the message it stored
-- ARGV[7]  the client's message id
-- ARGV[8]  message body with the client id in its payload
-- Returns {1, stored member} for a known client id, {0, seq} when stored, false for no session.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local known = redis.call('HGET', KEYS[8], ARGV[7])
if known then
  local found = redis.call('ZRANGEBYSCORE', KEYS[2], known, known)
  if found[1] then return {1, found[1]} end
end
local seq = appendIn(ARGV[8])
redis.call('HSET', KEYS[8], ARGV[7], seq)
return {0, seq}
