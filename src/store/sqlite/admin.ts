// The SQLite store's admin role (admin-store.ts). Every query reads through an index: sessions by
// (created_at, urn) or by urn (prefix search on the primary key), failed outbox entries by the
// two partial indexes of schema.ts (ADMIN_INDEXES), pending ones by outbox_pending / outbox_due.
import type Database from 'better-sqlite3';
import * as admin from '../admin-store.js';
import type { AdminStore, OutboxItem, OutboxStats, Page, PageQuery, RequeueResult, SessionQuery, SessionSummary, StoreOverview } from '../admin-store.js';
import { SqliteOutbox, toEntry, type OutboxRow } from './outbox.js';

/** Above every character a urn can hold: the upper bound of a prefix range. */
const PREFIX_END = '\u{10FFFF}';

interface SessionRow {
  urn: string;
  channel_uuid: string;
  host_api: string | null;
  created_at: number;
  delivered_seq: number;
}

interface ItemRow extends OutboxRow {
  state: 'pending' | 'failed';
  last_error: string | null;
}

const SESSION_COLS = 'urn, channel_uuid, host_api, created_at, delivered_seq';
const OUTBOX_COLS = 'id, urn, seq, message_id, text, created_at, attempts, state, last_error';

function item(r: ItemRow): OutboxItem {
  const { ref, ...entry } = toEntry(r);
  return { id: ref, ...entry, state: r.state, lastError: r.last_error };
}

/** The admin role's queries (exported for the test that reads their plans, see queryPlans). */
export function adminStatements(db: Database.Database) {
  return {
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
    failedPage: db.prepare<[number], ItemRow>(`SELECT ${OUTBOX_COLS} FROM outbox WHERE state = 'failed' ORDER BY created_at DESC, id DESC LIMIT ?`),
    failedPageAfter: db.prepare<[number, number, number], ItemRow>(
      `SELECT ${OUTBOX_COLS} FROM outbox WHERE state = 'failed' AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?`,
    ),
    sessionPendingRows: db.prepare<[string, number], ItemRow>(`SELECT ${OUTBOX_COLS} FROM outbox WHERE urn = ? AND state = 'pending' ORDER BY id LIMIT ?`),
    sessionFailedRows: db.prepare<[string, number], ItemRow>(`SELECT ${OUTBOX_COLS} FROM outbox WHERE urn = ? AND state = 'failed' ORDER BY id LIMIT ?`),
    entry: db.prepare<[number], ItemRow>(`SELECT ${OUTBOX_COLS} FROM outbox WHERE id = ?`),
    drop: db.prepare<[number]>('DELETE FROM outbox WHERE id = ?'),
  };
}

export class SqliteAdmin extends SqliteOutbox implements AdminStore {
  private q!: ReturnType<typeof adminStatements>;

  protected override prepare(): void {
    super.prepare();
    this.q = adminStatements(this.db);
  }

  async storeOverview(): Promise<StoreOverview> {
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

  async outboxStats(): Promise<OutboxStats> {
    return { pending: this.q.pending.get()!.n, failed: this.q.failed.get()!.n };
  }

  private summary(r: SessionRow): SessionSummary {
    return {
      urn: r.urn,
      channelUuid: r.channel_uuid,
      hostApi: r.host_api,
      createdAt: r.created_at,
      lastMessageAt: this.q.lastMessageAt.get(r.urn)?.created_at ?? null,
      deliveredSeq: r.delivered_seq,
      undelivered: this.q.undelivered.get(r.urn, r.delivered_seq, admin.UNDELIVERED_CAP)!.n,
      outboxPending: this.q.sessionPending.get(r.urn)!.n,
      outboxFailed: this.q.sessionFailed.get(r.urn)!.n,
    };
  }

  async listSessions(query: SessionQuery): Promise<Page<SessionSummary>> {
    const limit = admin.pageLimit(query.limit);
    let rows: SessionRow[];
    let cursorOf: (r: SessionRow) => unknown;
    if (query.prefix) {
      const after = admin.decodeCursor(query.cursor, admin.isUrnCursor)?.u;
      const end = query.prefix + PREFIX_END;
      rows = after === undefined ? this.q.byPrefix.all(query.prefix, end, limit + 1) : this.q.byPrefixAfter.all(after, end, limit + 1);
      cursorOf = (r) => ({ u: r.urn });
    } else {
      const c = admin.decodeCursor(query.cursor, admin.isTimeCursor);
      rows = c === undefined ? this.q.newest.all(limit + 1) : this.q.newestAfter.all(c[0], c[1], limit + 1);
      cursorOf = (r) => [r.created_at, r.urn];
    }
    const page = admin.firstPage(rows, limit, cursorOf);
    return { items: page.rows.map((r) => this.summary(r)), nextCursor: page.nextCursor };
  }

  async summarizeSessions(urns: readonly string[]): Promise<SessionSummary[]> {
    const out: SessionSummary[] = [];
    for (const urn of urns.slice(0, admin.ADMIN_PAGE_MAX)) {
      const r = this.q.session.get(urn);
      if (r) out.push(this.summary(r));
    }
    return out;
  }

  async listFailedOutbox(query: PageQuery): Promise<Page<OutboxItem>> {
    const limit = admin.pageLimit(query.limit);
    const c = admin.decodeCursor(query.cursor, admin.isOutboxCursor);
    const rows = c === undefined ? this.q.failedPage.all(limit + 1) : this.q.failedPageAfter.all(c[0], Number(c[1]), limit + 1);
    const page = admin.firstPage(rows, limit, (last) => [last.created_at, String(last.id)]);
    return { items: page.rows.map(item), nextCursor: page.nextCursor };
  }

  async sessionOutbox(urn: string, limit: number): Promise<OutboxItem[]> {
    if (limit <= 0) return [];
    const rows = [...this.q.sessionPendingRows.all(urn, limit), ...this.q.sessionFailedRows.all(urn, limit)];
    return rows
      .sort((a, b) => a.seq - b.seq || a.id - b.id)
      .slice(0, limit)
      .map(item);
  }

  async requeueOutbox(id: string, now: number): Promise<RequeueResult> {
    if (!/^\d{1,15}$/.test(id)) return { outcome: 'unknown' };
    return this.immediate((): RequeueResult => {
      const r = this.q.entry.get(Number(id));
      if (!r) return { outcome: 'unknown' };
      if (r.state !== 'failed') return { outcome: 'not_failed' };
      // A new row, so the entry goes to the end of its session's queue (after the messages that
      // were sent meanwhile) and head stays right: it is the head only if nothing else is pending.
      const res = this.m.insertOutbox.run(r.urn, r.seq, r.message_id, r.text, now, now, r.urn);
      this.q.drop.run(r.id);
      return { outcome: 'requeued', id: String(res.lastInsertRowid) };
    });
  }
}
