// The admin role (admin-store.ts) of the Redis store. No request scans all sessions: pages come
// from two indexes kept by the session scripts of redis-store.ts,
//   P sessions:bytime   zset  member = urn, score = createdAt   (newest-first pages)
//   P sessions:lex      zset  member = urn, score = 0           (prefix search, ZRANGEBYLEX)
// and the failed outbox from P outbox:failed. A store created before these indexes existed gets
// them once, on the first admin call (one SSCAN of P sessions).
import type { Redis } from 'ioredis';
import {
  ADMIN_PAGE_MAX,
  decodeCursor,
  encodeCursor,
  isOutboxCursor,
  isTimeCursor,
  isUrnCursor,
  UNDELIVERED_CAP,
  type OutboxItem,
  type Page,
  type RequeueResult,
  type SessionQuery,
  type SessionSummary,
  type StoreOverview,
} from './admin-store.js';

/** The oldest pending entry is looked for among this many sessions with a backlog, most due first. */
export const OLDEST_SCAN = 1000;

const SCRIPTS = {
  // ARGV: prefix, cap, urn... Returns per urn: found, channelUuid, hostApi|'', createdAt,
  // deliveredSeq, lastMessageAt|'', undelivered (capped), pending, failed.
  wgAdminSummary: {
    numberOfKeys: 0,
    lua: `
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
return out`,
  },

  // KEYS: outbox:due. ARGV: prefix, scan. createdAt of the oldest head entry among the first
  // \`scan\` sessions of the due index, or false.
  wgAdminOldest: {
    numberOfKeys: 1,
    lua: `
local oldest = false
for _, urn in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)) do
  local id = redis.call('LINDEX', ARGV[1] .. 'queue:' .. urn, 0)
  if id then
    local at = tonumber(redis.call('HGET', ARGV[1] .. 'entry:' .. id, 'createdAt'))
    if at and (not oldest or at < oldest) then oldest = at end
  end
end
return oldest`,
  },

  // KEYS: entry, outbox:failed, outbox:pending, outbox:due. ARGV: prefix, id, now.
  // A failed entry goes back to the end of its session's queue with a fresh age and no attempts.
  wgAdminRequeue: {
    numberOfKeys: 4,
    lua: `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'unknown' end
if state ~= 'failed' then return 'not_failed' end
local urn = redis.call('HGET', KEYS[1], 'urn')
if redis.call('EXISTS', ARGV[1] .. 'session:' .. urn) == 0 then return 'unknown' end
redis.call('HSET', KEYS[1], 'state', 'pending', 'attempts', 0, 'nextAt', ARGV[3], 'createdAt', ARGV[3], 'leaseUntil', 0)
redis.call('HDEL', KEYS[1], 'lastError')
redis.call('SREM', ARGV[1] .. 'failedof:' .. urn, ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[2])
if redis.call('RPUSH', ARGV[1] .. 'queue:' .. urn, ARGV[2]) == 1 then redis.call('ZADD', KEYS[4], ARGV[3], urn) end
redis.call('INCR', KEYS[3])
return 'requeued'`,
  },
} as const;

type AdminRedis = Redis & Record<keyof typeof SCRIPTS, (...args: (string | number)[]) => Promise<unknown>>;

const ENTRY_FIELDS = ['urn', 'seq', 'messageId', 'text', 'createdAt', 'attempts', 'state', 'lastError'] as const;

function clampLimit(limit: number): number {
  return Math.min(Math.max(1, Math.floor(limit)), ADMIN_PAGE_MAX);
}

export class RedisAdmin {
  private readonly redis: AdminRedis;
  private indexed = false;

  constructor(
    redis: Redis,
    private readonly p: string,
  ) {
    this.redis = redis as AdminRedis;
    for (const [name, { numberOfKeys, lua }] of Object.entries(SCRIPTS)) this.redis.defineCommand(name, { numberOfKeys, lua });
  }

  private k(name: string): string {
    return this.p + name;
  }

  /** Builds the session indexes of a store that predates them (once per process). */
  private async ensureIndexes(): Promise<void> {
    if (this.indexed) return;
    const [hasIndex, sessions] = await Promise.all([this.redis.exists(this.k('sessions:bytime')), this.redis.scard(this.k('sessions'))]);
    if (hasIndex === 0 && sessions > 0) {
      let cursor = '0';
      do {
        const [next, urns] = await this.redis.sscan(this.k('sessions'), cursor, 'COUNT', 500);
        cursor = next;
        if (urns.length === 0) continue;
        const times = await Promise.all(urns.map((u) => this.redis.hget(this.k(`session:${u}`), 'createdAt')));
        const pipe = this.redis.pipeline();
        urns.forEach((u, i) => {
          if (times[i] === null) return;
          pipe.zadd(this.k('sessions:bytime'), Number(times[i]), u);
          pipe.zadd(this.k('sessions:lex'), 0, u);
        });
        await pipe.exec();
      } while (cursor !== '0');
    }
    this.indexed = true;
  }

  async storeOverview(): Promise<StoreOverview> {
    const [sessions, pending, failed, oldest, info] = await Promise.all([
      this.redis.scard(this.k('sessions')),
      this.redis.get(this.k('outbox:pending')),
      this.redis.zcard(this.k('outbox:failed')),
      this.redis.wgAdminOldest(this.k('outbox:due'), this.p, OLDEST_SCAN),
      this.redis.info('memory'),
    ]);
    const used = /used_memory:(\d+)/.exec(info as string);
    return {
      sessions,
      outboxPending: Number(pending ?? 0),
      outboxFailed: failed,
      oldestPendingAt: oldest === null || oldest === false ? null : Number(oldest),
      bytes: used ? Number(used[1]) : null,
    };
  }

  async summarizeSessions(urns: readonly string[]): Promise<SessionSummary[]> {
    const list = urns.slice(0, ADMIN_PAGE_MAX);
    if (list.length === 0) return [];
    const flat = (await this.redis.wgAdminSummary(this.p, UNDELIVERED_CAP, ...list)) as string[];
    const out: SessionSummary[] = [];
    list.forEach((urn, i) => {
      const f = flat.slice(i * 9, i * 9 + 9);
      if (f[0] !== '1') return;
      out.push({
        urn,
        channelUuid: f[1]!,
        hostApi: f[2] === '' ? null : f[2]!,
        createdAt: Number(f[3]),
        deliveredSeq: Number(f[4]),
        lastMessageAt: f[5] === '' ? null : Number(f[5]),
        undelivered: Number(f[6]),
        outboxPending: Number(f[7]),
        outboxFailed: Number(f[8]),
      });
    });
    return out;
  }

  /**
   * Members of a zset after position [score, member] in descending (score, member) order: the
   * members tied at `score` come from one ZRANGEBYSCORE of that score (ties within a millisecond
   * are few), the rest from the strictly lower scores.
   */
  private async newestAfter(key: string, c: [number, string] | undefined, count: number): Promise<Array<[string, number]>> {
    const pairs = (flat: string[]): Array<[string, number]> => {
      const out: Array<[string, number]> = [];
      for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, Number(flat[i + 1])]);
      return out;
    };
    if (c === undefined) return pairs(await this.redis.zrevrangebyscore(key, '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, count));
    const ties = pairs(await this.redis.zrevrangebyscore(key, c[0], c[0], 'WITHSCORES')).filter(([m]) => m < c[1]);
    const older = ties.length >= count ? [] : pairs(await this.redis.zrevrangebyscore(key, `(${c[0]}`, '-inf', 'WITHSCORES', 'LIMIT', 0, count - ties.length));
    return [...ties, ...older].slice(0, count);
  }

  async listSessions(query: SessionQuery): Promise<Page<SessionSummary>> {
    await this.ensureIndexes();
    const limit = clampLimit(query.limit);
    let urns: string[];
    let cursorOf: (urn: string, score: number) => unknown;
    const scores = new Map<string, number>();
    if (query.prefix) {
      const after = decodeCursor(query.cursor, isUrnCursor)?.u;
      const low = after === undefined ? `[${query.prefix}` : `(${after}`;
      urns = await this.redis.zrangebylex(this.k('sessions:lex'), low, `(${query.prefix}\u00ff`, 'LIMIT', 0, limit + 1);
      cursorOf = (urn) => ({ u: urn });
    } else {
      const rows = await this.newestAfter(this.k('sessions:bytime'), decodeCursor(query.cursor, isTimeCursor), limit + 1);
      for (const [m, s] of rows) scores.set(m, s);
      urns = rows.map(([m]) => m);
      cursorOf = (urn, score) => [score, urn];
    }
    const page = urns.slice(0, limit);
    const last = page.at(-1);
    return {
      items: await this.summarizeSessions(page),
      nextCursor: urns.length > limit && last !== undefined ? encodeCursor(cursorOf(last, scores.get(last) ?? 0)) : null,
    };
  }

  private async entries(ids: string[]): Promise<OutboxItem[]> {
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hmget(this.k(`entry:${id}`), ...ENTRY_FIELDS);
    const res = (await pipe.exec())!;
    const out: OutboxItem[] = [];
    ids.forEach((id, i) => {
      const [err, v] = res[i]!;
      if (err) throw err;
      const [urn, seq, messageId, text, createdAt, attempts, state, lastError] = v as (string | null)[];
      if (urn === null || urn === undefined) return; // gone meanwhile
      out.push({
        id,
        urn,
        seq: Number(seq),
        messageId: messageId ?? '',
        text: text ?? '',
        createdAt: Number(createdAt),
        attempts: Number(attempts ?? 0),
        state: state === 'failed' ? 'failed' : 'pending',
        lastError: lastError ?? null,
      });
    });
    return out;
  }

  async listFailedOutbox(query: { cursor?: string; limit: number }): Promise<Page<OutboxItem>> {
    const limit = clampLimit(query.limit);
    const rows = await this.newestAfter(this.k('outbox:failed'), decodeCursor(query.cursor, isOutboxCursor), limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: await this.entries(page.map(([id]) => id)), nextCursor: rows.length > limit && last ? encodeCursor([last[1], last[0]]) : null };
  }

  async sessionOutbox(urn: string, limit: number): Promise<OutboxItem[]> {
    if (limit <= 0) return [];
    const [pending, failed] = await Promise.all([
      this.redis.lrange(this.k(`queue:${urn}`), 0, limit - 1),
      this.redis.sscan(this.k(`failedof:${urn}`), '0', 'COUNT', limit).then(([, ids]) => ids),
    ]);
    const items = await this.entries([...new Set([...pending, ...failed])]);
    return items.sort((a, b) => a.seq - b.seq || Number(a.id) - Number(b.id)).slice(0, limit);
  }

  async requeueOutbox(id: string, now: number): Promise<RequeueResult> {
    if (!/^\d{1,15}$/.test(id)) return { outcome: 'unknown' };
    const r = (await this.redis.wgAdminRequeue(
      this.k(`entry:${id}`),
      this.k('outbox:failed'),
      this.k('outbox:pending'),
      this.k('outbox:due'),
      this.p,
      id,
      now,
    )) as string;
    if (r === 'requeued') return { outcome: 'requeued', id };
    return { outcome: r === 'not_failed' ? 'not_failed' : 'unknown' };
  }
}
