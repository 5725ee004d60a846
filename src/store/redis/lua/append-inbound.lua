-- append-inbound.lua: stores a user message and its outbox entry (functions: message-member.lua,
-- append-in.lua).
-- KEYS[1]  P session:<urn>    hash (lastSeq is the seq counter)
-- KEYS[2]  P msgs:<urn>       zset of message members by seq
-- KEYS[3]  P msgtime:<urn>    zset seq -> createdAt
-- KEYS[4]  P queue:<urn>      list of pending outbox entry ids
-- KEYS[5]  P outbox:due       zset urn -> when its head may be claimed
-- KEYS[6]  P outbox:id        counter of outbox entry ids
-- KEYS[7]  P outbox:pending   number of pending entries
-- ARGV[1]  prefix P
-- ARGV[2]  urn
-- ARGV[3]  message body without its seq (see message-member.lua)
-- ARGV[4]  createdAt
-- ARGV[5]  message id
-- ARGV[6]  text
-- Returns the seq, or false when there is no such session.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return appendIn(ARGV[3])
