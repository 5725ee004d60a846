// The memory store's admin role (admin-store.ts). The memory store is for tests and single demo
// processes; its pages sort the sessions in memory.
import * as admin from '../admin-store.js';
import type { AdminStore, OutboxItem, OutboxStats, Page, PageQuery, RequeueResult, SessionQuery, SessionSummary, StoreOverview } from '../admin-store.js';
import type { OutboxRow, SessionState } from './messages.js';
import { MemoryOutbox } from './outbox.js';

function item(row: OutboxRow): OutboxItem {
  const { id, urn, seq, messageId, text, createdAt, attempts, state, lastError } = row;
  return { id: String(id), urn, seq, messageId, text, createdAt, attempts, state, lastError };
}

export class MemoryAdmin extends MemoryOutbox implements AdminStore {
  async storeOverview(): Promise<StoreOverview> {
    let pending = 0;
    let oldest: number | null = null;
    for (const s of this.queued) {
      pending += s.outbox.length;
      const head = s.outbox[0];
      if (head && (oldest === null || head.createdAt < oldest)) oldest = head.createdAt;
    }
    return { sessions: this.sessions.size, outboxPending: pending, outboxFailed: this.failed.length, oldestPendingAt: oldest, bytes: null };
  }

  async outboxStats(): Promise<OutboxStats> {
    let pending = 0;
    for (const s of this.sessions.values()) pending += s.outbox.length;
    return { pending, failed: this.failed.length };
  }

  private summary(s: SessionState): SessionSummary {
    let undelivered = 0;
    for (let i = s.messages.length - 1; i >= 0 && undelivered < admin.UNDELIVERED_CAP; i--) {
      const msg = s.messages[i]!;
      if (msg.seq <= s.deliveredSeq) break;
      if (msg.direction === 'out') undelivered++;
    }
    const { urn, channelUuid, hostApi, createdAt } = s.record;
    return {
      urn,
      channelUuid,
      hostApi,
      createdAt,
      lastMessageAt: s.messages.at(-1)?.createdAt ?? null,
      deliveredSeq: s.deliveredSeq,
      undelivered,
      outboxPending: s.outbox.length,
      outboxFailed: this.failed.filter((f) => f.urn === urn).length,
    };
  }

  async listSessions(q: SessionQuery): Promise<Page<SessionSummary>> {
    const limit = admin.pageLimit(q.limit);
    let rows = [...this.sessions.values()];
    let cursorOf: (s: SessionState) => unknown;
    const prefix = q.prefix ?? '';
    if (prefix !== '') {
      const after = admin.decodeCursor(q.cursor, admin.isUrnCursor)?.u;
      rows = rows.filter((s) => s.record.urn.startsWith(prefix) && (after === undefined || s.record.urn > after));
      rows.sort((a, b) => (a.record.urn < b.record.urn ? -1 : 1));
      cursorOf = (s) => ({ u: s.record.urn });
    } else {
      const c = admin.decodeCursor(q.cursor, admin.isTimeCursor);
      if (c) rows = rows.filter((s) => s.record.createdAt < c[0] || (s.record.createdAt === c[0] && s.record.urn < c[1]));
      rows.sort((a, b) => b.record.createdAt - a.record.createdAt || (a.record.urn < b.record.urn ? 1 : -1));
      cursorOf = (s) => [s.record.createdAt, s.record.urn];
    }
    const page = admin.firstPage(rows, limit, cursorOf);
    return { items: page.rows.map((s) => this.summary(s)), nextCursor: page.nextCursor };
  }

  async summarizeSessions(urns: readonly string[]): Promise<SessionSummary[]> {
    const out: SessionSummary[] = [];
    for (const urn of urns.slice(0, admin.ADMIN_PAGE_MAX)) {
      const s = this.sessions.get(urn);
      if (s) out.push(this.summary(s));
    }
    return out;
  }

  async listFailedOutbox(q: PageQuery): Promise<Page<OutboxItem>> {
    const c = admin.decodeCursor(q.cursor, admin.isOutboxCursor);
    const rows = this.failed
      .filter((r) => !c || r.createdAt < c[0] || (r.createdAt === c[0] && r.id < Number(c[1])))
      .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
    const page = admin.firstPage(rows, admin.pageLimit(q.limit), (last) => [last.createdAt, String(last.id)]);
    return { items: page.rows.map(item), nextCursor: page.nextCursor };
  }

  async sessionOutbox(urn: string, limit: number): Promise<OutboxItem[]> {
    const s = this.sessions.get(urn);
    if (!s) return [];
    const rows = [...s.outbox, ...this.failed.filter((f) => f.urn === urn)].sort((a, b) => a.seq - b.seq);
    return rows.slice(0, Math.max(0, limit)).map(item);
  }

  async requeueOutbox(id: string, now: number): Promise<RequeueResult> {
    const i = this.failed.findIndex((r) => String(r.id) === id);
    if (i === -1) {
      for (const s of this.queued) if (s.outbox.some((r) => String(r.id) === id)) return { outcome: 'not_failed' };
      return { outcome: 'unknown' };
    }
    const row = this.failed[i]!;
    const s = this.sessions.get(row.urn);
    if (!s) return { outcome: 'unknown' };
    this.failed.splice(i, 1);
    const fresh: OutboxRow = { ...row, id: this.nextOutboxId(), state: 'pending', attempts: 0, createdAt: now, nextAt: now, leaseUntil: 0, lastError: null };
    s.outbox.push(fresh);
    this.queued.add(s);
    return { outcome: 'requeued', id: String(fresh.id) };
  }
}
