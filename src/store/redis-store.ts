// Store on Redis (ioredis 5), for several gateway processes sharing one store. Standalone Redis
// or Sentinel (connections: redis-connection.ts), not Redis Cluster: the scripts touch keys they
// derive themselves (docs/scaling.md says which would need hash tags).
//
// Every operation that changes more than one key, or reads then writes, is one Lua script, so it
// is atomic against every other process. Nothing has a TTL: sessions live until deleteSession,
// messages until prune, outbox entries until completed (or failed and then pruned).
//
// Keys (P = prefix, default "wg:"; <urn> is the session urn, <id> an outbox entry id):
//   P setting:<key>     string  settings value; written once (SET NX), never expires
//   P sessions          set     urns of all sessions (prune iterates it); until deleteSession
//   P sessions:bytime   zset    the same urns by createdAt; P sessions:lex the same, score 0 (admin
//                               pages and prefix search, redis-admin.ts)
//   P session:<urn>     hash    channelUuid, hostApi (absent = null), createdAt,
//                               lastSeq (per-session seq counter, both directions), deliveredSeq
//   P msgs:<urn>        zset    messages: score = seq, member = message JSON (includes seq, so
//                               members are unique); until prune / deleteSession
//   P msgtime:<urn>     zset    member = seq, score = createdAt; for prune by age
//   P outids:<urn>      hash    platform message id -> seqs of its stored parts, "5 9" (dedupe); an entry
//                               goes when prune removes its message
//   P cids:<urn>        hash    clientMessageId -> seq of the "in" message it stored (dedupe of
//                               appendInboundOnce); an entry goes when prune removes its message
//   P sval:<urn>        hash    session values (getSessionValue: WWC token binding, pending contact
//                               fields); until deleteSession, never pruned
//   P queue:<urn>       list    ids of the session's pending outbox entries, oldest first; the
//                               head is the only one that may be claimed
//   P failedof:<urn>    set     ids of the session's failed outbox entries (for deleteSession)
//   P entry:<id>        hash    outbox entry: urn, seq, messageId, text, createdAt, attempts,
//                               nextAt, leaseUntil, state (pending|failed), lastError;
//                               until completed, or (failed) until prune by age / deleteSession
//   P outbox:id         string  counter for outbox entry ids
//   P outbox:pending    string  number of pending outbox entries (for outboxStats)
//   P outbox:due        zset    member = urn of each session with pending entries, score =
//                               when its head entry may next be claimed = max(nextAt, leaseUntil);
//                               claimOutbox reads only the due front of it, never all sessions
//   P outbox:failed     zset    member = id of each failed entry, score = its createdAt
//   P expiry            zset    "out" messages not yet delivered nor reported expired: member =
//                               "<urn>\n<seq>", score = createdAt. Added by appendOutbound; a
//                               member goes when advanceDeliveredSeq passes its seq, when
//                               takeExpiredUndelivered returns (or finds it delivered / gone),
//                               and with its message in prune / deleteSession
import type { Redis } from 'ioredis';
import { closeRedis, createRedis } from './redis-connection.js';
import {
  asPart,
  UnknownSessionError,
  type Direction,
  type OutboxEntry,
  type OutboxStats,
  type PruneOptions,
  type ReadOptions,
  type SessionRecord,
  type Store,
  type StoredMessage,
  type InboundMessage,
} from './store.js';
import type { AdminStore, OutboxItem, Page, RequeueResult, SessionQuery, SessionSummary, StoreOverview } from './admin-store.js';
import { RedisAdmin } from './redis-admin.js';

export interface RedisStoreOptions {
  prefix?: string;
}

// Message members are built in Lua because the seq is only known there. JavaScript serialises the
// rest ('{"direction":...}') and the script splices the seq in front: '{"seq":N,' .. body:sub(2).
// Lua's cjson is never used to encode (it would turn [] into {} and round long numbers).
const MESSAGE_BODY = `local function member(seq, body) return '{"seq":' .. seq .. ',' .. string.sub(body, 2) end`;

// After the head of a session's queue changed: index the new head, or drop the session from the
// due index when its queue is empty. New heads are never leased, so their due time is nextAt.
const REINDEX_HEAD = `
local function reindex(prefix, queueKey, dueKey, urn)
  local head = redis.call('LINDEX', queueKey, 0)
  if head then
    redis.call('ZADD', dueKey, redis.call('HGET', prefix .. 'entry:' .. head, 'nextAt'), urn)
  else
    redis.call('ZREM', dueKey, urn)
  end
end`;

// A user message and its outbox entry (KEYS/ARGV of wgAppendInbound); returns its seq.
const APPEND_IN = `
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
end`;

const SCRIPTS = {
  // KEYS: session, sessions. ARGV: urn, channelUuid, hasHostApi ('1'|'0'), hostApi, createdAt.
  // Returns {created (1|0), channelUuid, hostApi|false, createdAt}.
  wgCreateSession: {
    numberOfKeys: 2,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then
  local r = redis.call('HMGET', KEYS[1], 'channelUuid', 'hostApi', 'createdAt')
  return {0, r[1], r[2], r[3]}
end
redis.call('HSET', KEYS[1], 'channelUuid', ARGV[2], 'createdAt', ARGV[5], 'lastSeq', 0, 'deliveredSeq', 0)
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'hostApi', ARGV[4]) end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[2] .. ':bytime', ARGV[5], ARGV[1]) -- admin indexes (redis-admin.ts)
redis.call('ZADD', KEYS[2] .. ':lex', 0, ARGV[1])
return {1}`,
  },

  // KEYS: session, msgs, msgtime, queue, outbox:due, outbox:id, outbox:pending.
  // ARGV: prefix, urn, body, createdAt, messageId, text. Returns seq, or false for no session.
  wgAppendInbound: {
    numberOfKeys: 7,
    lua: `${MESSAGE_BODY}${APPEND_IN}
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return appendIn(ARGV[3])`,
  },

  // KEYS: as wgAppendInbound, then cids. ARGV: as wgAppendInbound, then clientId, body with the
  // client id in its payload. Returns {duplicate (1|0), seq or the stored member}, or false.
  wgAppendInboundOnce: {
    numberOfKeys: 8,
    lua: `${MESSAGE_BODY}${APPEND_IN}
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local known = redis.call('HGET', KEYS[8], ARGV[7])
if known then
  local found = redis.call('ZRANGEBYSCORE', KEYS[2], known, known)
  if found[1] then return {1, found[1]} end
end
local seq = appendIn(ARGV[8])
redis.call('HSET', KEYS[8], ARGV[7], seq)
return {0, seq}`,
  },

  // KEYS: session, msgs, msgtime, outids, expiry. ARGV: body, createdAt, platform id, urn, text.
  // Returns {duplicate (1|0), member}, or false for no session. outids holds the seqs of every
  // stored part of the platform id ("5 9"): the same text again is a duplicate of that part,
  // another text is the next part, whose member carries "part":n (parseMessage derives its id).
  wgAppendOutbound: {
    numberOfKeys: 5,
    lua: `${MESSAGE_BODY}
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
redis.call('ZADD', KEYS[5], ARGV[2], ARGV[4] .. '\\n' .. seq)
return {0, m}`,
  },

  // KEYS: session, expiry. ARGV: seq, urn. Returns deliveredSeq after the call (0 for no session).
  // Drops the newly delivered seqs from the expiry index (ZREM of "in" seqs is a no-op).
  wgAdvanceDelivered: {
    numberOfKeys: 2,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local r = redis.call('HMGET', KEYS[1], 'deliveredSeq', 'lastSeq')
local cur = tonumber(r[1] or '0')
local seq = tonumber(ARGV[1])
if seq > cur then
  redis.call('HSET', KEYS[1], 'deliveredSeq', ARGV[1])
  local upto = math.min(seq, tonumber(r[2] or '0'))
  for s = cur + 1, upto do redis.call('ZREM', KEYS[2], ARGV[2] .. '\\n' .. s) end
  return seq
end
return cur`,
  },

  // KEYS: outbox:due. ARGV: prefix, now, limit, leaseMs.
  // Leases the head entry of up to \`limit\` sessions whose due time has come, and moves those
  // sessions' due time to the lease end, so no other caller gets them until then.
  // Returns a flat list: id, urn, seq, messageId, text, createdAt, attempts, ... per entry.
  wgClaimOutbox: {
    numberOfKeys: 1,
    lua: `
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
return out`,
  },

  // KEYS: entry, queue, outbox:due, outbox:pending. ARGV: prefix, urn, id.
  wgCompleteOutbox: {
    numberOfKeys: 4,
    lua: `${REINDEX_HEAD}
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return 0 end
redis.call('DEL', KEYS[1])
redis.call('LREM', KEYS[2], 1, ARGV[3])
redis.call('DECR', KEYS[4])
reindex(ARGV[1], KEYS[2], KEYS[3], ARGV[2])
return 1`,
  },

  // KEYS: entry, queue, outbox:due. ARGV: urn, id, nextAttemptAt, error.
  wgRetryOutbox: {
    numberOfKeys: 3,
    lua: `
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return 0 end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'nextAt', ARGV[3], 'leaseUntil', 0, 'lastError', ARGV[4])
if redis.call('LINDEX', KEYS[2], 0) == ARGV[2] then redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1]) end
return 1`,
  },

  // KEYS: entry, queue, failedof, outbox:due, outbox:pending, outbox:failed. ARGV: prefix, urn, id, reason.
  wgFailOutbox: {
    numberOfKeys: 6,
    lua: `${REINDEX_HEAD}
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'failed', 'leaseUntil', 0, 'lastError', ARGV[4])
redis.call('LREM', KEYS[2], 1, ARGV[3])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('ZADD', KEYS[6], redis.call('HGET', KEYS[1], 'createdAt'), ARGV[3])
redis.call('DECR', KEYS[5])
reindex(ARGV[1], KEYS[2], KEYS[4], ARGV[2])
return 1`,
  },

  // KEYS: session, msgs, msgtime, outids, queue, failedof, sessions, outbox:due, outbox:pending,
  // outbox:failed, expiry, cids, sval. ARGV: prefix, urn. Returns 1 when the session existed.
  wgDeleteSession: {
    numberOfKeys: 13,
    lua: `
local prefix = ARGV[1]
local existed = redis.call('DEL', KEYS[1])
for _, seq in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do redis.call('ZREM', KEYS[11], ARGV[2] .. '\\n' .. seq) end
local pending = redis.call('LRANGE', KEYS[5], 0, -1)
for _, id in ipairs(pending) do redis.call('DEL', prefix .. 'entry:' .. id) end
if #pending > 0 then redis.call('DECRBY', KEYS[9], #pending) end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[6])) do
  redis.call('DEL', prefix .. 'entry:' .. id)
  redis.call('ZREM', KEYS[10], id)
end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[12], KEYS[13])
redis.call('SREM', KEYS[7], ARGV[2])
redis.call('ZREM', KEYS[7] .. ':bytime', ARGV[2]) -- admin indexes (redis-admin.ts)
redis.call('ZREM', KEYS[7] .. ':lex', ARGV[2])
redis.call('ZREM', KEYS[8], ARGV[2])
return existed`,
  },

  // KEYS: session, sval. ARGV: name, value, "1" for only-if-absent. Returns the value held after,
  // or false when the session does not exist (a value never outlives its session).
  wgPutSessionValue: {
    numberOfKeys: 2,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if ARGV[3] == '1' then redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) else redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
return redis.call('HGET', KEYS[2], ARGV[1])`,
  },

  // KEYS: sval. ARGV: name, expected value, "1" when the expected value applies.
  wgClearSessionValue: {
    numberOfKeys: 1,
    lua: `
if ARGV[3] == '1' and redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
return redis.call('HDEL', KEYS[1], ARGV[1])`,
  },

  // KEYS: msgs, msgtime, outids, expiry, cids. ARGV: cutoff, maxMessages, urn. Prunes one session;
  // returns count. A message goes when createdAt < cutoff or it is not among the newest maxMessages.
  wgPruneSession: {
    numberOfKeys: 5,
    lua: `
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
    if m.direction == 'out' then redis.call('ZREM', KEYS[4], ARGV[3] .. '\\n' .. seq) end
    local cid = type(m.payload) == 'table' and m.payload.clientMessageId
    if m.direction == 'in' and type(cid) == 'string' and redis.call('HGET', KEYS[5], cid) == tostring(seq) then
      redis.call('HDEL', KEYS[5], cid)
    end
    redis.call('ZREMRANGEBYSCORE', KEYS[1], seq, seq)
    removed = removed + 1
  end
  redis.call('ZREM', KEYS[2], seq)
end
return removed`,
  },

  // KEYS: expiry. ARGV: prefix, cutoff, limit. Takes up to \`limit\` members created before cutoff,
  // oldest first; each member read leaves the index: returned when its message still exists and
  // is past deliveredSeq, dropped otherwise. Returns a flat list: urn, message member, ...
  wgTakeExpired: {
    numberOfKeys: 1,
    lua: `
local prefix, limit = ARGV[1], tonumber(ARGV[3])
local out, n = {}, 0
while n < limit do
  local batch = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', 0, limit - n)
  if #batch == 0 then break end
  for _, member in ipairs(batch) do
    redis.call('ZREM', KEYS[1], member)
    local urn, seq = string.match(member, '^(.*)\\n(%d+)$')
    if urn then
      local delivered = tonumber(redis.call('HGET', prefix .. 'session:' .. urn, 'deliveredSeq') or '-1')
      if delivered >= 0 and tonumber(seq) > delivered then
        local found = redis.call('ZRANGEBYSCORE', prefix .. 'msgs:' .. urn, seq, seq)
        if found[1] then
          table.insert(out, urn)
          table.insert(out, found[1])
          n = n + 1
        end
      end
    end
  end
end
return out`,
  },

  // KEYS: outbox:failed. ARGV: prefix, cutoff. Drops failed entries created before cutoff.
  wgPruneFailed: {
    numberOfKeys: 1,
    lua: `
local prefix = ARGV[1]
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])) do
  local key = prefix .. 'entry:' .. id
  local urn = redis.call('HGET', key, 'urn')
  if urn then redis.call('SREM', prefix .. 'failedof:' .. urn, id) end
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[1], id)
end
return 0`,
  },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;
type ScriptedRedis = Redis & Record<ScriptName, ScriptFn>;

// Many sessions are pruned per round trip; one script call per session keeps each call short.
const PRUNE_BATCH = 200;
const READ_BATCH = 200;

export class RedisStore implements Store, AdminStore {
  private readonly redis: ScriptedRedis;
  private readonly p: string;

  constructor(url: string, opts: RedisStoreOptions = {}) {
    this.p = opts.prefix ?? 'wg:';
    // Connection behaviour (fail fast, reconnect, follow Sentinel failovers): redis-connection.ts.
    this.redis = createRedis(url) as ScriptedRedis;
    this.redis.on('error', () => {}); // reconnects by itself; failures surface on commands
    // defineCommand sends EVALSHA and falls back to EVAL when the server lacks the script
    // (e.g. after a restart or SCRIPT FLUSH).
    for (const [name, { numberOfKeys, lua }] of Object.entries(SCRIPTS)) {
      this.redis.defineCommand(name, { numberOfKeys, lua });
    }
  }

  /**
   * WAIT: blocks until `replicas` replicas hold every write this connection made so far, or
   * `timeoutMs` passed; returns how many do. (See replica-ack.ts, which shares one WAIT among
   * the writes that finished before it was sent.)
   */
  async waitForReplicas(replicas: number, timeoutMs: number): Promise<number> {
    return Number(await this.redis.call('WAIT', replicas, timeoutMs));
  }

  private k(name: string): string {
    return this.p + name;
  }

  private sessionKeys(urn: string) {
    return {
      session: this.k(`session:${urn}`),
      msgs: this.k(`msgs:${urn}`),
      msgtime: this.k(`msgtime:${urn}`),
      outids: this.k(`outids:${urn}`),
      queue: this.k(`queue:${urn}`),
      failedof: this.k(`failedof:${urn}`),
      cids: this.k(`cids:${urn}`),
      sval: this.k(`sval:${urn}`),
    };
  }

  async init(): Promise<void> {
    if (this.redis.status === 'wait') await this.redis.connect();
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }

  async getOrSetSetting(key: string, value: string): Promise<string> {
    const k = this.k(`setting:${key}`);
    // MULTI makes SET NX + GET one atomic step; GET returns whichever value won.
    const res = await this.redis.multi().set(k, value, 'NX').get(k).exec();
    const [err, got] = res![1]!;
    if (err) throw err;
    return got as string;
  }

  async createSession(session: SessionRecord): Promise<{ created: boolean; session: SessionRecord }> {
    const k = this.sessionKeys(session.urn);
    const r = (await this.redis.wgCreateSession(
      k.session,
      this.k('sessions'),
      session.urn,
      session.channelUuid,
      session.hostApi === null ? '0' : '1',
      session.hostApi ?? '',
      session.createdAt,
    )) as [number, string?, string?, string?];
    if (r[0] === 1) return { created: true, session: { ...session } };
    return { created: false, session: { urn: session.urn, channelUuid: r[1]!, hostApi: r[2] ?? null, createdAt: Number(r[3]) } };
  }

  async getSession(urn: string): Promise<SessionRecord | null> {
    const [channelUuid, hostApi, createdAt] = await this.redis.hmget(this.k(`session:${urn}`), 'channelUuid', 'hostApi', 'createdAt');
    if (channelUuid === null || createdAt === null) return null;
    return { urn, channelUuid, hostApi, createdAt: Number(createdAt) };
  }

  async deleteSession(urn: string): Promise<boolean> {
    const k = this.sessionKeys(urn);
    const existed = await this.redis.wgDeleteSession(
      k.session,
      k.msgs,
      k.msgtime,
      k.outids,
      k.queue,
      k.failedof,
      this.k('sessions'),
      this.k('outbox:due'),
      this.k('outbox:pending'),
      this.k('outbox:failed'),
      this.k('expiry'),
      k.cids,
      k.sval,
      this.p,
      urn,
    );
    return existed === 1;
  }

  async getSessionValue(urn: string, name: string): Promise<string | null> {
    return this.redis.hget(this.k(`sval:${urn}`), name);
  }

  async putSessionValue(urn: string, name: string, value: string, mode: 'always' | 'ifAbsent' = 'always'): Promise<string> {
    const k = this.sessionKeys(urn);
    const held = (await this.redis.wgPutSessionValue(k.session, k.sval, name, value, mode === 'ifAbsent' ? '1' : '0')) as string | null;
    if (held === null) throw new UnknownSessionError(urn);
    return held;
  }

  async clearSessionValue(urn: string, name: string, ifValue?: string): Promise<void> {
    await this.redis.wgClearSessionValue(this.k(`sval:${urn}`), name, ifValue ?? '', ifValue === undefined ? '0' : '1');
  }

  async appendInbound(urn: string, msg: InboundMessage): Promise<StoredMessage> {
    const k = this.sessionKeys(urn);
    const payload = msg.payload ?? {};
    const body = messageBody('in', msg.id, msg.text, payload, msg.createdAt);
    const seq = await this.redis.wgAppendInbound(
      k.session,
      k.msgs,
      k.msgtime,
      k.queue,
      this.k('outbox:due'),
      this.k('outbox:id'),
      this.k('outbox:pending'),
      this.p,
      urn,
      body,
      msg.createdAt,
      msg.id,
      msg.text,
    );
    if (seq === null) throw new UnknownSessionError(urn);
    return {
      urn,
      seq: Number(seq),
      direction: 'in',
      id: msg.id,
      text: msg.text,
      payload: msg.payload ? structuredClone(payload) : {},
      createdAt: msg.createdAt,
    };
  }

  async appendInboundOnce(urn: string, msg: InboundMessage & { clientId: string }): Promise<{ message: StoredMessage; duplicate: boolean }> {
    const k = this.sessionKeys(urn);
    const payload = { ...structuredClone(msg.payload ?? {}), clientMessageId: msg.clientId };
    const r = (await this.redis.wgAppendInboundOnce(
      k.session,
      k.msgs,
      k.msgtime,
      k.queue,
      this.k('outbox:due'),
      this.k('outbox:id'),
      this.k('outbox:pending'),
      k.cids,
      this.p,
      urn,
      '',
      msg.createdAt,
      msg.id,
      msg.text,
      msg.clientId,
      messageBody('in', msg.id, msg.text, payload, msg.createdAt),
    )) as [number, number | string] | null;
    if (r === null) throw new UnknownSessionError(urn);
    if (r[0] === 1) return { message: parseMessage(urn, String(r[1])), duplicate: true };
    return { message: { urn, seq: Number(r[1]), direction: 'in', id: msg.id, text: msg.text, payload, createdAt: msg.createdAt }, duplicate: false };
  }

  async appendOutbound(
    urn: string,
    msg: { id: string; text: string; payload: Record<string, unknown>; createdAt: number },
  ): Promise<{ message: StoredMessage; duplicate: boolean }> {
    const k = this.sessionKeys(urn);
    const body = messageBody('out', msg.id, msg.text, msg.payload, msg.createdAt);
    const r = (await this.redis.wgAppendOutbound(k.session, k.msgs, k.msgtime, k.outids, this.k('expiry'), body, msg.createdAt, msg.id, urn, msg.text)) as
      [number, string] | null;
    if (r === null) throw new UnknownSessionError(urn);
    return { message: parseMessage(urn, r[1]), duplicate: r[0] === 1 };
  }

  async readMessages(urn: string, o: ReadOptions): Promise<StoredMessage[]> {
    if (o.limit <= 0) return [];
    const key = this.k(`msgs:${urn}`);
    // Exclusive seq bounds; they move as pages are read, so concurrent pruning cannot shift them.
    let low = o.afterSeq !== undefined ? `(${o.afterSeq}` : '-inf';
    let high = o.beforeSeq !== undefined ? `(${o.beforeSeq}` : '+inf';
    const out: StoredMessage[] = [];
    // Without a direction filter one page is the answer; with one, read on until `limit` match.
    const batch = o.direction === undefined ? o.limit : Math.max(o.limit, READ_BATCH);
    for (;;) {
      const page = o.newestFirst
        ? await this.redis.zrevrangebyscore(key, high, low, 'LIMIT', 0, batch)
        : await this.redis.zrangebyscore(key, low, high, 'LIMIT', 0, batch);
      for (const member of page) {
        const m = parseMessage(urn, member);
        if (o.direction === undefined || m.direction === o.direction) out.push(m);
        if (out.length === o.limit) return out;
      }
      if (page.length < batch) return out;
      const last = parseMessage(urn, page[page.length - 1]!).seq;
      if (o.newestFirst) high = `(${last}`;
      else low = `(${last}`;
    }
  }

  async getDeliveredSeq(urn: string): Promise<number> {
    return Number((await this.redis.hget(this.k(`session:${urn}`), 'deliveredSeq')) ?? 0);
  }

  async advanceDeliveredSeq(urn: string, seq: number): Promise<number> {
    return Number(await this.redis.wgAdvanceDelivered(this.k(`session:${urn}`), this.k('expiry'), seq, urn));
  }

  async takeExpiredUndelivered(cutoff: number, limit: number): Promise<StoredMessage[]> {
    if (limit <= 0) return [];
    const flat = (await this.redis.wgTakeExpired(this.k('expiry'), this.p, cutoff, limit)) as string[];
    const out: StoredMessage[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push(parseMessage(flat[i]!, flat[i + 1]!));
    return out;
  }

  async claimOutbox(now: number, limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    if (limit <= 0) return [];
    const flat = (await this.redis.wgClaimOutbox(this.k('outbox:due'), this.p, now, limit, leaseMs)) as string[];
    const entries: OutboxEntry[] = [];
    for (let i = 0; i < flat.length; i += 7) {
      entries.push({
        ref: flat[i]!,
        urn: flat[i + 1]!,
        seq: Number(flat[i + 2]),
        messageId: flat[i + 3]!,
        text: flat[i + 4]!,
        createdAt: Number(flat[i + 5]),
        attempts: Number(flat[i + 6]),
      });
    }
    return entries;
  }

  async completeOutbox(entry: OutboxEntry): Promise<void> {
    await this.redis.wgCompleteOutbox(
      this.k(`entry:${entry.ref}`),
      this.k(`queue:${entry.urn}`),
      this.k('outbox:due'),
      this.k('outbox:pending'),
      this.p,
      entry.urn,
      entry.ref,
    );
  }

  async retryOutbox(entry: OutboxEntry, nextAttemptAt: number, error: string): Promise<void> {
    await this.redis.wgRetryOutbox(
      this.k(`entry:${entry.ref}`),
      this.k(`queue:${entry.urn}`),
      this.k('outbox:due'),
      entry.urn,
      entry.ref,
      nextAttemptAt,
      error,
    );
  }

  async failOutbox(entry: OutboxEntry, reason: string): Promise<void> {
    await this.redis.wgFailOutbox(
      this.k(`entry:${entry.ref}`),
      this.k(`queue:${entry.urn}`),
      this.k(`failedof:${entry.urn}`),
      this.k('outbox:due'),
      this.k('outbox:pending'),
      this.k('outbox:failed'),
      this.p,
      entry.urn,
      entry.ref,
      reason,
    );
  }

  async nextOutboxDue(): Promise<number | null> {
    const r = await this.redis.zrange(this.k('outbox:due'), 0, 0, 'WITHSCORES');
    return r.length === 2 ? Number(r[1]) : null;
  }

  async outboxStats(): Promise<OutboxStats> {
    const [pending, failed] = await Promise.all([this.redis.get(this.k('outbox:pending')), this.redis.zcard(this.k('outbox:failed'))]);
    return { pending: Number(pending ?? 0), failed };
  }

  async prune(o: PruneOptions): Promise<number> {
    const cutoff = o.now - o.maxAge;
    let removed = 0;
    // SSCAN may return a urn twice; pruning a session twice is harmless (the second finds nothing).
    let cursor = '0';
    do {
      const [next, urns] = await this.redis.sscan(this.k('sessions'), cursor, 'COUNT', PRUNE_BATCH);
      cursor = next;
      if (urns.length === 0) continue;
      const pipe = this.redis.pipeline();
      for (const urn of urns) {
        const k = this.sessionKeys(urn);
        (pipe as unknown as Record<ScriptName, (...a: (string | number)[]) => unknown>).wgPruneSession(
          k.msgs,
          k.msgtime,
          k.outids,
          this.k('expiry'),
          k.cids,
          cutoff,
          o.maxMessagesPerSession,
          urn,
        );
      }
      for (const [err, n] of (await pipe.exec())!) {
        if (err) throw err;
        removed += Number(n);
      }
    } while (cursor !== '0');
    // Failed outbox entries are kept for inspection as long as messages are.
    await this.redis.wgPruneFailed(this.k('outbox:failed'), this.p, cutoff);
    return removed;
  }

  // --- Admin role (admin-store.ts): the queries live in redis-admin.ts.
  private adminQueries: RedisAdmin | undefined;
  private get admin(): RedisAdmin {
    return (this.adminQueries ??= new RedisAdmin(this.redis, this.p));
  }

  storeOverview(): Promise<StoreOverview> {
    return this.admin.storeOverview();
  }

  listSessions(query: SessionQuery): Promise<Page<SessionSummary>> {
    return this.admin.listSessions(query);
  }

  summarizeSessions(urns: readonly string[]): Promise<SessionSummary[]> {
    return this.admin.summarizeSessions(urns);
  }

  listFailedOutbox(query: { cursor?: string; limit: number }): Promise<Page<OutboxItem>> {
    return this.admin.listFailedOutbox(query);
  }

  sessionOutbox(urn: string, limit: number): Promise<OutboxItem[]> {
    return this.admin.sessionOutbox(urn, limit);
  }

  requeueOutbox(id: string, now: number): Promise<RequeueResult> {
    return this.admin.requeueOutbox(id, now);
  }
}

/** The message JSON without its seq (the Lua side adds it); see MESSAGE_BODY. */
function messageBody(direction: Direction, id: string, text: string, payload: Record<string, unknown>, createdAt: number): string {
  return JSON.stringify({ direction, id, text, payload, createdAt });
}

function parseMessage(urn: string, member: string): StoredMessage {
  const m = JSON.parse(member) as Omit<StoredMessage, 'urn'>;
  const message: StoredMessage = { urn, seq: m.seq, direction: m.direction, id: m.id, text: m.text, payload: m.payload, createdAt: m.createdAt };
  return m.part !== undefined && m.part > 1 ? asPart(message, m.id, m.part) : message;
}
