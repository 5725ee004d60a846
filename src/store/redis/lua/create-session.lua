-- create-session.lua: creates a session unless its urn exists.
-- KEYS[1]  P session:<urn>    hash
-- KEYS[2]  P sessions         set of urns (P sessions:bytime and P sessions:lex, the admin
--                             indexes of admin.ts, are derived from this name)
-- ARGV[1]  urn
-- ARGV[2]  channelUuid
-- ARGV[3]  '1' when the session has a hostApi, '0' when not
-- ARGV[4]  hostApi ('' when none)
-- ARGV[5]  createdAt
-- Returns {1} when created, else {0, channelUuid, hostApi|false, createdAt} of the stored one.
if redis.call('EXISTS', KEYS[1]) == 1 then
  local r = redis.call('HMGET', KEYS[1], 'channelUuid', 'hostApi', 'createdAt')
  return {0, r[1], r[2], r[3]}
end
redis.call('HSET', KEYS[1], 'channelUuid', ARGV[2], 'createdAt', ARGV[5], 'lastSeq', 0, 'deliveredSeq', 0)
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'hostApi', ARGV[4]) end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[2] .. ':bytime', ARGV[5], ARGV[1])
redis.call('ZADD', KEYS[2] .. ':lex', 0, ARGV[1])
return {1}
