// The admin role (admin-store.ts) of the SQLite store. Every query reads through an index:
// sessions by (created_at, urn) or by urn (prefix search on the primary key), failed outbox
// entries by two partial indexes that only failed rows enter (failing is rare, so they cost the
// message path nothing), pending ones by the store's own outbox_pending / outbox_due indexes.
import type Database from 'better-sqlite3';
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

const ADMIN_INDEXES = `
CREATE INDEX IF NOT EXISTS sessions_by_created ON sessions (created_at, urn);
CREATE INDEX IF NOT EXISTS outbox_failed ON outbox (created_at, id) WHERE state = 'failed';
CREATE INDEX IF NOT EXISTS outbox_failed_by_urn ON outbox (urn, id) WHERE state = 'failed';
`;

/** Above every character a urn can hold: the upper bound of a prefix range. */
const PREFIX_END = '\u{10FFFF}';

interface SessionRow {
  urn: string;
  channel_uuid: string;
  host_api: string | null;
  created_at: number;
  delivered_seq: number;
}

interface OutboxRow {
  id: number;
  urn: string;
  seq: number;
  message_id: string;
  text: string;
  created_at: number;
  attempts: number;
  state: 'pending' | 'failed';
  last_error: string | null;
}

const SESSION_COLS = 'urn, channel_uuid, host_api, created_at, delivered_seq';
const OUTBOX_COLS = 'id, urn, seq, message_id, text, created_at, attempts, state, last_error';

function item(r: OutboxRow): OutboxItem {
  return {
    id: String(r.id),
    urn: r.urn,
    seq: r.seq,
    messageId: r.message_id,
    text: r.text,
    createdAt: r.created_at,
    attempts: r.attempts,
    state: r.state,
    lastError: r.last_error,
  };
}

function clampLimit(limit: number): number {
  return Math.min(Math.max(1, Math.floor(limit)), ADMIN_PAGE_MAX);
}

export class SqliteAdmin {
  private readonly q;

  constructor(private readonly db: Database.Database) {
    db.exec(ADMIN_INDEXES);
    this.q = {
      sessions: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM sessions'),
      pending: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'"),
      failed: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE state = 'failed'"),
      // A session's oldest pending entry is its head: the oldest of all is among the heads.
      oldest: db.prepare<[], { at: number | null }>('SELECT MIN(created_at) AS at FROM outbox WHERE head = 1'),
      newest: db.prepare<[number], SessionRow>(`SELECT ${SESSION_COLS} FROM sessions ORDER BY created_at DESC, urn DESC LIMIT ?`),
      newestAfter: db.prepare<[number, string, number], SessionRow>(
        `SELECT ${SESSION_COLS} FROM sessions WHERE (created_at, urn) < (?, ?) ORDER BY created_at DESC, urn DESC LIMIT ?`,
      ),
      byPrefix: db.prepare<[string, string, number], SessionRow>(`SELECT ${SESSION_COLS} FROM sessions WHERE urn >= ? AND urn < ? ORDER BY urn LIMIT ?`),
      byPrefixAfter: db.prepare<[string, string, number], SessionRow>(`SELECT ${SESSION_COLS} FROM sessions WHERE urn > ? AND urn < ? ORDER BY urn LIMIT ?`),
      session: db.prepare<[string], SessionRow>(`SELECT ${SESSION_COLS} FROM sessions WHERE urn = ?`),
      lastMessageAt: db.prepare<[string], { created_at: number }>('SELECT created_at FROM messages WHERE urn = ? ORDER BY seq DESC LIMIT 1'),
      undelivered: db.prepare<[string, number, number], { n: number }>(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM messages WHERE urn = ? AND seq > ? AND direction = 'out' LIMIT ?)",
      ),
      sessionPending: db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE urn = ? AND state = 'pending'"),
      sessionFailed: db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE urn = ? AND state = 'failed'"),
      failedPage: db.prepare<[number], OutboxRow>(`SELECT ${OUTBOX_COLS} FROM outbox WHERE state = 'failed' ORDER BY created_at DESC, id DESC LIMIT ?`),
      failedPageAfter: db.prepare<[number, number, number], OutboxRow>(
        `SELECT ${OUTBOX_COLS} FROM outbox WHERE state = 'failed' AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?`,
      ),
      sessionPendingRows: db.prepare<[string, number], OutboxRow>(`SELECT ${OUTBOX_COLS} FROM outbox WHERE urn = ? AND state = 'pending' ORDER BY id LIMIT ?`),
      sessionFailedRows: db.prepare<[string, number], OutboxRow>(`SELECT ${OUTBOX_COLS} FROM outbox WHERE urn = ? AND state = 'failed' ORDER BY id LIMIT ?`),
      entry: db.prepare<[number], OutboxRow>(`SELECT ${OUTBOX_COLS} FROM outbox WHERE id = ?`),
      requeue: db.prepare<[string, number, string, string, number, number, string]>(
        `INSERT INTO outbox (urn, seq, message_id, text, created_at, state, next_at, head)
         VALUES (?, ?, ?, ?, ?, 'pending', ?, NOT EXISTS (SELECT 1 FROM outbox WHERE urn = ? AND state = 'pending'))`,
      ),
      drop: db.prepare<[number]>('DELETE FROM outbox WHERE id = ?'),
    };
  }

  /** Diagnostics (and the test that keeps these queries on their indexes): each query's plan. */
  queryPlans(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, stmt] of Object.entries(this.q)) {
      if (!stmt.reader) continue;
      const params = (stmt.source.match(/\?/g) ?? []).map(() => 0);
      out[name] = (this.db.prepare(`EXPLAIN QUERY PLAN ${stmt.source}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');
    }
    return out;
  }

  storeOverview(): StoreOverview {
    const pageSize = Number(this.db.pragma('page_size', { simple: true }));
    const pages = Number(this.db.pragma('page_count', { simple: true }));
    return {
      sessions: this.q.sessions.get()!.n,
      outboxPending: this.q.pending.get()!.n,
      outboxFailed: this.q.failed.get()!.n,
      oldestPendingAt: this.q.oldest.get()?.at ?? null,
      bytes: pageSize * pages,
    };
  }

  private summary(r: SessionRow): SessionSummary {
    return {
      urn: r.urn,
      channelUuid: r.channel_uuid,
      hostApi: r.host_api,
      createdAt: r.created_at,
      lastMessageAt: this.q.lastMessageAt.get(r.urn)?.created_at ?? null,
      deliveredSeq: r.delivered_seq,
      undelivered: this.q.undelivered.get(r.urn, r.delivered_seq, UNDELIVERED_CAP)!.n,
      outboxPending: this.q.sessionPending.get(r.urn)!.n,
      outboxFailed: this.q.sessionFailed.get(r.urn)!.n,
    };
  }

  listSessions(query: SessionQuery): Page<SessionSummary> {
    const limit = clampLimit(query.limit);
    let rows: SessionRow[];
    let cursorOf: (r: SessionRow) => unknown;
    if (query.prefix) {
      const after = decodeCursor(query.cursor, isUrnCursor)?.u;
      const end = query.prefix + PREFIX_END;
      rows = after === undefined ? this.q.byPrefix.all(query.prefix, end, limit + 1) : this.q.byPrefixAfter.all(after, end, limit + 1);
      cursorOf = (r) => ({ u: r.urn });
    } else {
      const c = decodeCursor(query.cursor, isTimeCursor);
      rows = c === undefined ? this.q.newest.all(limit + 1) : this.q.newestAfter.all(c[0], c[1], limit + 1);
      cursorOf = (r) => [r.created_at, r.urn];
    }
    const page = rows.slice(0, limit);
    return { items: page.map((r) => this.summary(r)), nextCursor: rows.length > limit ? encodeCursor(cursorOf(page.at(-1)!)) : null };
  }

  summarizeSessions(urns: readonly string[]): SessionSummary[] {
    const out: SessionSummary[] = [];
    for (const urn of urns.slice(0, ADMIN_PAGE_MAX)) {
      const r = this.q.session.get(urn);
      if (r) out.push(this.summary(r));
    }
    return out;
  }

  listFailedOutbox(query: { cursor?: string; limit: number }): Page<OutboxItem> {
    const limit = clampLimit(query.limit);
    const c = decodeCursor(query.cursor, isOutboxCursor);
    const rows = c === undefined ? this.q.failedPage.all(limit + 1) : this.q.failedPageAfter.all(c[0], Number(c[1]), limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: page.map(item), nextCursor: rows.length > limit && last ? encodeCursor([last.created_at, String(last.id)]) : null };
  }

  sessionOutbox(urn: string, limit: number): OutboxItem[] {
    if (limit <= 0) return [];
    const rows = [...this.q.sessionPendingRows.all(urn, limit), ...this.q.sessionFailedRows.all(urn, limit)];
    return rows
      .sort((a, b) => a.seq - b.seq || a.id - b.id)
      .slice(0, limit)
      .map(item);
  }

  requeueOutbox(id: string, now: number): RequeueResult {
    if (!/^\d{1,15}$/.test(id)) return { outcome: 'unknown' };
    return this.db
      .transaction((): RequeueResult => {
        const r = this.q.entry.get(Number(id));
        if (!r) return { outcome: 'unknown' };
        if (r.state !== 'failed') return { outcome: 'not_failed' };
        // A new row, so the entry goes to the end of its session's queue (after the messages that
        // were sent meanwhile) and head stays right: it is the head only if nothing else is pending.
        const res = this.q.requeue.run(r.urn, r.seq, r.message_id, r.text, now, now, r.urn);
        this.q.drop.run(r.id);
        return { outcome: 'requeued', id: String(res.lastInsertRowid) };
      })
      .immediate();
  }
}
