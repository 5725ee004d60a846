-- reindex-head.lua (prepended to complete-outbox.lua and fail-outbox.lua; no KEYS or ARGV of its
-- own). After the head of a session's queue changed: index the new head, or drop the session from
-- the due index when its queue is empty. New heads are never leased, so their due time is nextAt.
local function reindex(prefix, queueKey, dueKey, urn)
  local head = redis.call('LINDEX', queueKey, 0)
  if head then
    redis.call('ZADD', dueKey, redis.call('HGET', prefix .. 'entry:' .. head, 'nextAt'), urn)
  else
    redis.call('ZREM', dueKey, urn)
  end
end
