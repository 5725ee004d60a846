// In-process store: for tests, benchmarks and `STORE_URL=memory:`. Everything is lost on exit.
import {
  asPart,
  UnknownSessionError,
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
import { MemoryAdmin } from './memory-admin.js';

export interface OutboxRow {
  id: number;
  urn: string;
  seq: number;
  messageId: string;
  text: string;
  createdAt: number;
  state: 'pending' | 'failed';
  attempts: number;
  nextAt: number;
  leaseUntil: number;
  lastError: string | null;
}

export interface SessionState {
  record: SessionRecord;
  messages: StoredMessage[]; // ordered by seq
  lastSeq: number;
  deliveredSeq: number;
  /** Platform id -> its stored parts, in order. */
  outIds: Map<string, StoredMessage[]>;
  /** clientMessageId -> its "in" message (appendInboundOnce). */
  clientIds: Map<string, StoredMessage>;
  outbox: OutboxRow[]; // pending rows of this session, ordered by id
  /** Session values (getSessionValue), gone with the session. */
  values: Map<string, string>;
}

export class MemoryStore implements Store, AdminStore {
  private readonly settings = new Map<string, string>();
  private readonly sessions = new Map<string, SessionState>();
  private readonly failed: OutboxRow[] = [];
  /** Sessions with pending outbox entries: claims look only at these, not at every session. */
  private readonly queued = new Set<SessionState>();
  private nextOutboxId = 1;
  /** "out" messages takeExpiredUndelivered has returned (kept off the message objects). */
  private readonly expiredReported = new WeakSet<StoredMessage>();

  async init(): Promise<void> {}
  async close(): Promise<void> {}

  async getOrSetSetting(key: string, value: string): Promise<string> {
    const existing = this.settings.get(key);
    if (existing !== undefined) return existing;
    this.settings.set(key, value);
    return value;
  }

  async createSession(session: SessionRecord): Promise<{ created: boolean; session: SessionRecord }> {
    const existing = this.sessions.get(session.urn);
    if (existing) return { created: false, session: { ...existing.record } };
    this.sessions.set(session.urn, {
      record: { ...session },
      messages: [],
      lastSeq: 0,
      deliveredSeq: 0,
      outIds: new Map(),
      clientIds: new Map(),
      outbox: [],
      values: new Map(),
    });
    return { created: true, session: { ...session } };
  }

  async getSession(urn: string): Promise<SessionRecord | null> {
    const s = this.sessions.get(urn);
    return s ? { ...s.record } : null;
  }

  async deleteSession(urn: string): Promise<boolean> {
    for (let i = this.failed.length - 1; i >= 0; i--) if (this.failed[i]!.urn === urn) this.failed.splice(i, 1);
    const s = this.sessions.get(urn);
    if (s) this.queued.delete(s);
    return this.sessions.delete(urn);
  }

  private state(urn: string): SessionState {
    const s = this.sessions.get(urn);
    if (!s) throw new UnknownSessionError(urn);
    return s;
  }

  async getSessionValue(urn: string, name: string): Promise<string | null> {
    return this.sessions.get(urn)?.values.get(name) ?? null;
  }

  async putSessionValue(urn: string, name: string, value: string, mode: 'always' | 'ifAbsent' = 'always'): Promise<string> {
    const values = this.state(urn).values;
    const held = values.get(name);
    if (mode === 'ifAbsent' && held !== undefined) return held;
    values.set(name, value);
    return value;
  }

  async clearSessionValue(urn: string, name: string, ifValue?: string): Promise<void> {
    const values = this.sessions.get(urn)?.values;
    if (values && (ifValue === undefined || values.get(name) === ifValue)) values.delete(name);
  }

  async appendInbound(urn: string, msg: InboundMessage): Promise<StoredMessage> {
    const message = this.addInbound(this.state(urn), urn, msg, structuredClone(msg.payload ?? {}));
    return { ...message, payload: structuredClone(message.payload) };
  }

  async appendInboundOnce(urn: string, msg: InboundMessage & { clientId: string }): Promise<{ message: StoredMessage; duplicate: boolean }> {
    const s = this.state(urn);
    const existing = s.clientIds.get(msg.clientId);
    if (existing) return { message: { ...existing, payload: structuredClone(existing.payload) }, duplicate: true };
    const message = this.addInbound(s, urn, msg, { ...structuredClone(msg.payload ?? {}), clientMessageId: msg.clientId });
    s.clientIds.set(msg.clientId, message);
    return { message: { ...message, payload: structuredClone(message.payload) }, duplicate: false };
  }

  private addInbound(s: SessionState, urn: string, msg: { id: string; text: string; createdAt: number }, payload: Record<string, unknown>): StoredMessage {
    const message: StoredMessage = { urn, seq: ++s.lastSeq, direction: 'in', id: msg.id, text: msg.text, payload, createdAt: msg.createdAt };
    s.messages.push(message);
    this.queued.add(s);
    s.outbox.push({
      id: this.nextOutboxId++,
      urn,
      seq: message.seq,
      messageId: msg.id,
      text: msg.text,
      createdAt: msg.createdAt,
      state: 'pending',
      attempts: 0,
      nextAt: msg.createdAt,
      leaseUntil: 0,
      lastError: null,
    });
    return message;
  }

  async appendOutbound(
    urn: string,
    msg: { id: string; text: string; payload: Record<string, unknown>; createdAt: number },
  ): Promise<{ message: StoredMessage; duplicate: boolean }> {
    const s = this.state(urn);
    const parts = s.outIds.get(msg.id) ?? [];
    const same = parts.find((m) => m.text === msg.text);
    if (same) return { message: { ...same }, duplicate: true };
    const part = parts.reduce((max, m) => Math.max(max, m.part ?? 1), 0) + 1;
    const plain: StoredMessage = {
      urn,
      seq: ++s.lastSeq,
      direction: 'out',
      id: msg.id,
      text: msg.text,
      payload: structuredClone(msg.payload),
      createdAt: msg.createdAt,
    };
    const message = asPart(plain, msg.id, part);
    s.messages.push(message);
    s.outIds.set(msg.id, [...parts, message]);
    return { message: { ...message }, duplicate: false };
  }

  async readMessages(urn: string, o: ReadOptions): Promise<StoredMessage[]> {
    const s = this.sessions.get(urn);
    if (!s) return [];
    const picked = s.messages.filter(
      (m) =>
        (o.afterSeq === undefined || m.seq > o.afterSeq) &&
        (o.beforeSeq === undefined || m.seq < o.beforeSeq) &&
        (o.direction === undefined || m.direction === o.direction),
    );
    const ordered = o.newestFirst ? picked.reverse() : picked;
    return ordered.slice(0, o.limit).map((m) => ({ ...m, payload: structuredClone(m.payload) }));
  }

  async getDeliveredSeq(urn: string): Promise<number> {
    return this.sessions.get(urn)?.deliveredSeq ?? 0;
  }

  async advanceDeliveredSeq(urn: string, seq: number): Promise<number> {
    const s = this.sessions.get(urn);
    if (!s) return 0;
    if (seq > s.deliveredSeq) s.deliveredSeq = seq;
    return s.deliveredSeq;
  }

  async claimOutbox(now: number, limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    const due: OutboxRow[] = [];
    for (const s of this.queued) {
      const head = s.outbox[0];
      if (head && head.nextAt <= now && head.leaseUntil <= now) due.push(head);
    }
    due.sort((a, b) => a.nextAt - b.nextAt || a.id - b.id);
    return due.slice(0, limit).map((row) => {
      row.leaseUntil = now + leaseMs;
      return { ref: String(row.id), urn: row.urn, seq: row.seq, messageId: row.messageId, text: row.text, createdAt: row.createdAt, attempts: row.attempts };
    });
  }

  private row(entry: OutboxEntry): { s: SessionState; row: OutboxRow } | null {
    const s = this.sessions.get(entry.urn);
    const row = s?.outbox.find((r) => String(r.id) === entry.ref);
    return s && row ? { s, row } : null;
  }

  async completeOutbox(entry: OutboxEntry): Promise<void> {
    const found = this.row(entry);
    if (!found) return;
    found.s.outbox.splice(found.s.outbox.indexOf(found.row), 1);
    if (found.s.outbox.length === 0) this.queued.delete(found.s);
  }

  async retryOutbox(entry: OutboxEntry, nextAttemptAt: number, error: string): Promise<void> {
    const found = this.row(entry);
    if (!found) return;
    found.row.attempts++;
    found.row.nextAt = nextAttemptAt;
    found.row.leaseUntil = 0;
    found.row.lastError = error;
  }

  async failOutbox(entry: OutboxEntry, reason: string): Promise<void> {
    const found = this.row(entry);
    if (!found) return;
    found.s.outbox.splice(found.s.outbox.indexOf(found.row), 1);
    if (found.s.outbox.length === 0) this.queued.delete(found.s);
    found.row.state = 'failed';
    found.row.lastError = reason;
    this.failed.push(found.row);
  }

  async nextOutboxDue(): Promise<number | null> {
    let min: number | null = null;
    for (const s of this.queued) {
      const head = s.outbox[0];
      if (head) {
        const at = Math.max(head.nextAt, head.leaseUntil);
        if (min === null || at < min) min = at;
      }
    }
    return min;
  }

  async outboxStats(): Promise<OutboxStats> {
    let pending = 0;
    for (const s of this.sessions.values()) pending += s.outbox.length;
    return { pending, failed: this.failed.length };
  }

  async takeExpiredUndelivered(cutoff: number, limit: number): Promise<StoredMessage[]> {
    if (limit <= 0) return [];
    const found: StoredMessage[] = [];
    for (const s of this.sessions.values()) {
      for (const m of s.messages) {
        if (m.direction === 'out' && m.createdAt < cutoff && m.seq > s.deliveredSeq && !this.expiredReported.has(m)) found.push(m);
      }
    }
    found.sort((a, b) => a.createdAt - b.createdAt);
    return found.slice(0, limit).map((m) => {
      this.expiredReported.add(m);
      return { ...m, payload: structuredClone(m.payload) };
    });
  }

  async prune(o: PruneOptions): Promise<number> {
    let removed = 0;
    const cutoff = o.now - o.maxAge;
    for (const s of this.sessions.values()) {
      const keepFrom = Math.max(0, s.messages.length - o.maxMessagesPerSession);
      const kept = s.messages.filter((m, i) => i >= keepFrom && m.createdAt >= cutoff);
      removed += s.messages.length - kept.length;
      if (kept.length !== s.messages.length) {
        s.messages = kept;
        // Dedupe memory follows retention: a platform id older than retention may be reused.
        const keptSet = new Set(kept);
        for (const [id, parts] of s.outIds) {
          const left = parts.filter((m) => keptSet.has(m));
          if (left.length === 0) s.outIds.delete(id);
          else if (left.length !== parts.length) s.outIds.set(id, left);
        }
        for (const [id, m] of s.clientIds) if (!keptSet.has(m)) s.clientIds.delete(id);
      }
    }
    // Failed outbox entries are kept for inspection as long as messages are.
    for (let i = this.failed.length - 1; i >= 0; i--) if (this.failed[i]!.createdAt < cutoff) this.failed.splice(i, 1);
    return removed;
  }

  // --- Admin role (admin-store.ts): the queries live in memory-admin.ts.
  private readonly admin = new MemoryAdmin({
    sessions: this.sessions,
    failed: this.failed,
    queued: this.queued,
    nextOutboxId: () => this.nextOutboxId++,
  });

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
