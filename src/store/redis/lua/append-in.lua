-- append-in.lua (prepended to append-inbound.lua and append-inbound-once.lua, after
-- message-member.lua): stores a user message and its outbox entry with the KEYS and ARGV of
-- append-inbound.lua; returns its seq.
local function appendIn(body)
  local seq = redis.call('HINCRBY', KEYS[1], 'lastSeq', 1)
  redis.call('ZADD', KEYS[2], seq, member(seq, body))
  redis.call('ZADD', KEYS[3], ARGV[4], seq)
  local id = redis.call('INCR', KEYS[6])
  redis.call('HSET', ARGV[1] .. 'entry:' .. id, 'urn', ARGV[2], 'seq', seq, 'messageId', ARGV[5], 'text', ARGV[6],
    'createdAt', ARGV[4], 'attempts', 0, 'nextAt', ARGV[4], 'leaseUntil', 0, 'state', 'pending')
  -- A new entry is claimable at once only when it is the session's head.
  if redis.call('RPUSH', KEYS[4], id) == 1 then redis.call('ZADD', KEYS[5], ARGV[4], ARGV[2]) end
  redis.call('INCR', KEYS[7])
  return seq
end
