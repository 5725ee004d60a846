// The memory store's state, and its settings, sessions and message log (roles.ts). The other
// roles build on this class: outbox.ts, admin.ts, then store.ts (the class the gateway opens).
import { asPart, UnknownSessionError, type InboundMessage, type ReadOptions, type SessionRecord, type StoredMessage } from '../store.js';
import type { MessageLog, SessionStore, SettingsStore } from '../roles.js';

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

/** A copy a caller may change without touching the stored message. */
export function copyMessage(m: StoredMessage): StoredMessage {
  return { ...m, payload: structuredClone(m.payload) };
}

export class MemoryMessages implements SettingsStore, SessionStore, MessageLog {
  private readonly settings = new Map<string, string>();
  protected readonly sessions = new Map<string, SessionState>();
  protected readonly failed: OutboxRow[] = [];
  /** Sessions with pending outbox entries: claims look only at these, not at every session. */
  protected readonly queued = new Set<SessionState>();
  private lastOutboxId = 0;

  protected nextOutboxId(): number {
    return ++this.lastOutboxId;
  }

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
    return copyMessage(this.addInbound(this.state(urn), urn, msg, structuredClone(msg.payload ?? {})));
  }

  async appendInboundOnce(urn: string, msg: InboundMessage & { clientId: string }): Promise<{ message: StoredMessage; duplicate: boolean }> {
    const s = this.state(urn);
    const existing = s.clientIds.get(msg.clientId);
    if (existing) return { message: copyMessage(existing), duplicate: true };
    const message = this.addInbound(s, urn, msg, { ...structuredClone(msg.payload ?? {}), clientMessageId: msg.clientId });
    s.clientIds.set(msg.clientId, message);
    return { message: copyMessage(message), duplicate: false };
  }

  async findInboundOnce(urn: string, clientId: string): Promise<StoredMessage | null> {
    const existing = this.sessions.get(urn)?.clientIds.get(clientId);
    return existing ? copyMessage(existing) : null;
  }

  private addInbound(s: SessionState, urn: string, msg: { id: string; text: string; createdAt: number }, payload: Record<string, unknown>): StoredMessage {
    const message: StoredMessage = { urn, seq: ++s.lastSeq, direction: 'in', id: msg.id, text: msg.text, payload, createdAt: msg.createdAt };
    s.messages.push(message);
    this.queued.add(s);
    s.outbox.push({
      id: this.nextOutboxId(),
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
    return ordered.slice(0, o.limit).map(copyMessage);
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
}
