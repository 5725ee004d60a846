// The Redis store's admin role (admin-store.ts). No request scans all sessions: pages come from
// two indexes kept by lua/create-session.lua and lua/delete-session.lua,
//   P sessions:bytime   zset  member = urn, score = createdAt   (newest-first pages)
//   P sessions:lex      zset  member = urn, score = 0           (prefix search, ZRANGEBYLEX)
// and the failed outbox from P outbox:failed. A store created before these indexes existed gets
// them once, on the first admin call (one SSCAN of P sessions). Scripts: lua/admin-*.lua.
import * as admin from '../admin-store.js';
import type { AdminStore, OutboxItem, OutboxStats, Page, PageQuery, RequeueResult, SessionQuery, SessionSummary, StoreOverview } from '../admin-store.js';
import { RedisOutbox } from './outbox.js';

/** The oldest pending entry is looked for among this many sessions with a backlog, most due first. */
export const OLDEST_SCAN = 1000;

const ENTRY_FIELDS = ['urn', 'seq', 'messageId', 'text', 'createdAt', 'attempts', 'state', 'lastError'] as const;

export class RedisAdmin extends RedisOutbox implements AdminStore {
  private indexed = false;

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
    const used = /used_memory:(\d+)/.exec(info);
    return {
      sessions,
      outboxPending: Number(pending ?? 0),
      outboxFailed: failed,
      oldestPendingAt: oldest === null || oldest === false ? null : Number(oldest),
      bytes: used ? Number(used[1]) : null,
    };
  }

  async outboxStats(): Promise<OutboxStats> {
    const [pending, failed] = await Promise.all([this.redis.get(this.k('outbox:pending')), this.redis.zcard(this.k('outbox:failed'))]);
    return { pending: Number(pending ?? 0), failed };
  }

  async summarizeSessions(urns: readonly string[]): Promise<SessionSummary[]> {
    const list = urns.slice(0, admin.ADMIN_PAGE_MAX);
    if (list.length === 0) return [];
    const flat = (await this.redis.wgAdminSummary(this.p, admin.UNDELIVERED_CAP, ...list)) as string[];
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
    const limit = admin.pageLimit(query.limit);
    let urns: string[];
    let cursorOf: (urn: string, score: number) => unknown;
    const scores = new Map<string, number>();
    if (query.prefix) {
      const after = admin.decodeCursor(query.cursor, admin.isUrnCursor)?.u;
      const low = after === undefined ? `[${query.prefix}` : `(${after}`;
      urns = await this.redis.zrangebylex(this.k('sessions:lex'), low, `(${query.prefix}\u00ff`, 'LIMIT', 0, limit + 1);
      cursorOf = (urn) => ({ u: urn });
    } else {
      const rows = await this.newestAfter(this.k('sessions:bytime'), admin.decodeCursor(query.cursor, admin.isTimeCursor), limit + 1);
      for (const [m, s] of rows) scores.set(m, s);
      urns = rows.map(([m]) => m);
      cursorOf = (urn, score) => [score, urn];
    }
    const page = admin.firstPage(urns, limit, (last) => cursorOf(last, scores.get(last) ?? 0));
    return { items: await this.summarizeSessions(page.rows), nextCursor: page.nextCursor };
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

  async listFailedOutbox(query: PageQuery): Promise<Page<OutboxItem>> {
    const limit = admin.pageLimit(query.limit);
    const rows = await this.newestAfter(this.k('outbox:failed'), admin.decodeCursor(query.cursor, admin.isOutboxCursor), limit + 1);
    const page = admin.firstPage(rows, limit, ([id, createdAt]) => [createdAt, id]);
    return { items: await this.entries(page.rows.map(([id]) => id)), nextCursor: page.nextCursor };
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
