// The admin role (admin-store.ts) of the memory store. The memory store is for tests and single
// demo processes; its pages sort the sessions in memory.
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
import type { OutboxRow, SessionState } from './memory-store.js';

export interface MemoryInternals {
  sessions: Map<string, SessionState>;
  failed: OutboxRow[];
  queued: Set<SessionState>;
  nextOutboxId(): number;
}

function item(row: OutboxRow): OutboxItem {
  return {
    id: String(row.id),
    urn: row.urn,
    seq: row.seq,
    messageId: row.messageId,
    text: row.text,
    createdAt: row.createdAt,
    attempts: row.attempts,
    state: row.state,
    lastError: row.lastError,
  };
}

export class MemoryAdmin {
  constructor(private readonly m: MemoryInternals) {}

  async storeOverview(): Promise<StoreOverview> {
    let pending = 0;
    let oldest: number | null = null;
    for (const s of this.m.queued) {
      pending += s.outbox.length;
      const head = s.outbox[0];
      if (head && (oldest === null || head.createdAt < oldest)) oldest = head.createdAt;
    }
    return { sessions: this.m.sessions.size, outboxPending: pending, outboxFailed: this.m.failed.length, oldestPendingAt: oldest, bytes: null };
  }

  private summary(s: SessionState): SessionSummary {
    let undelivered = 0;
    for (let i = s.messages.length - 1; i >= 0 && undelivered < UNDELIVERED_CAP; i--) {
      const msg = s.messages[i]!;
      if (msg.seq <= s.deliveredSeq) break;
      if (msg.direction === 'out') undelivered++;
    }
    const r = s.record;
    return {
      urn: r.urn,
      channelUuid: r.channelUuid,
      hostApi: r.hostApi,
      createdAt: r.createdAt,
      lastMessageAt: s.messages.at(-1)?.createdAt ?? null,
      deliveredSeq: s.deliveredSeq,
      undelivered,
      outboxPending: s.outbox.length,
      outboxFailed: this.m.failed.filter((f) => f.urn === r.urn).length,
    };
  }

  async listSessions(q: SessionQuery): Promise<Page<SessionSummary>> {
    const limit = Math.min(Math.max(1, q.limit), ADMIN_PAGE_MAX);
    let rows = [...this.m.sessions.values()];
    let page: SessionState[];
    let cursorOf: (s: SessionState) => unknown;
    if (q.prefix !== undefined && q.prefix !== '') {
      const after = decodeCursor(q.cursor, isUrnCursor)?.u;
      rows = rows.filter((s) => s.record.urn.startsWith(q.prefix!) && (after === undefined || s.record.urn > after));
      rows.sort((a, b) => (a.record.urn < b.record.urn ? -1 : 1));
      cursorOf = (s) => ({ u: s.record.urn });
    } else {
      const c = decodeCursor(q.cursor, isTimeCursor);
      if (c) rows = rows.filter((s) => s.record.createdAt < c[0] || (s.record.createdAt === c[0] && s.record.urn < c[1]));
      rows.sort((a, b) => b.record.createdAt - a.record.createdAt || (a.record.urn < b.record.urn ? 1 : -1));
      cursorOf = (s) => [s.record.createdAt, s.record.urn];
    }
    page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: page.map((s) => this.summary(s)), nextCursor: rows.length > limit && last ? encodeCursor(cursorOf(last)) : null };
  }

  async summarizeSessions(urns: readonly string[]): Promise<SessionSummary[]> {
    const out: SessionSummary[] = [];
    for (const urn of urns.slice(0, ADMIN_PAGE_MAX)) {
      const s = this.m.sessions.get(urn);
      if (s) out.push(this.summary(s));
    }
    return out;
  }

  async listFailedOutbox(q: { cursor?: string; limit: number }): Promise<Page<OutboxItem>> {
    const limit = Math.min(Math.max(1, q.limit), ADMIN_PAGE_MAX);
    const c = decodeCursor(q.cursor, isOutboxCursor);
    const rows = this.m.failed
      .filter((r) => !c || r.createdAt < c[0] || (r.createdAt === c[0] && r.id < Number(c[1])))
      .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: page.map(item), nextCursor: rows.length > limit && last ? encodeCursor([last.createdAt, String(last.id)]) : null };
  }

  async sessionOutbox(urn: string, limit: number): Promise<OutboxItem[]> {
    const s = this.m.sessions.get(urn);
    if (!s) return [];
    const rows = [...s.outbox, ...this.m.failed.filter((f) => f.urn === urn)].sort((a, b) => a.seq - b.seq);
    return rows.slice(0, Math.max(0, limit)).map(item);
  }

  async requeueOutbox(id: string, now: number): Promise<RequeueResult> {
    const i = this.m.failed.findIndex((r) => String(r.id) === id);
    if (i === -1) {
      for (const s of this.m.queued) if (s.outbox.some((r) => String(r.id) === id)) return { outcome: 'not_failed' };
      return { outcome: 'unknown' };
    }
    const row = this.m.failed[i]!;
    const s = this.m.sessions.get(row.urn);
    if (!s) return { outcome: 'unknown' };
    this.m.failed.splice(i, 1);
    const fresh: OutboxRow = { ...row, id: this.m.nextOutboxId(), state: 'pending', attempts: 0, createdAt: now, nextAt: now, leaseUntil: 0, lastError: null };
    s.outbox.push(fresh);
    this.m.queued.add(s);
    return { outcome: 'requeued', id: String(fresh.id) };
  }
}
