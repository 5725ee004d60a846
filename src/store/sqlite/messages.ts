// The SQLite store's settings, sessions and message log (roles.ts), on the connection of db.ts.
import type Database from 'better-sqlite3';
import { asPart, partId, UnknownSessionError, type InboundMessage, type ReadOptions, type SessionRecord, type StoredMessage } from '../store.js';
import type { MessageLog, SessionStore, SettingsStore } from '../roles.js';
import { SqliteDb } from './db.js';

export interface MessageRow {
  urn: string;
  seq: number;
  direction: 'in' | 'out';
  id: string;
  text: string;
  payload: string;
  created_at: number;
}

// The id column holds the platform's id (dedupe looks parts up by it); a further part's payload is
// stored already in its part shape (asPart), and its part number is read back from there.
export function toMessage(r: MessageRow): StoredMessage {
  const payload = JSON.parse(r.payload) as Record<string, unknown>;
  const m: StoredMessage = { urn: r.urn, seq: r.seq, direction: r.direction, id: r.id, text: r.text, payload, createdAt: r.created_at };
  const part = payload['part'];
  // (a platform's own "part" field leaves payload.id as the platform's id: not one of ours)
  return r.direction === 'out' && typeof part === 'number' && part > 1 && payload['id'] === partId(r.id, part) ? asPart(m, r.id, part) : m;
}

function statements(db: Database.Database) {
  return {
    getSetting: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
    insertSetting: db.prepare('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)'),
    insertSession: db.prepare('INSERT OR IGNORE INTO sessions (urn, channel_uuid, host_api, created_at) VALUES (?, ?, ?, ?)'),
    getSession: db.prepare<[string], { urn: string; channel_uuid: string; host_api: string | null; created_at: number }>(
      'SELECT urn, channel_uuid, host_api, created_at FROM sessions WHERE urn = ?',
    ),
    deleteSession: db.prepare('DELETE FROM sessions WHERE urn = ?'),
    deleteSessionMessages: db.prepare('DELETE FROM messages WHERE urn = ?'),
    deleteSessionOutbox: db.prepare('DELETE FROM outbox WHERE urn = ?'),
    deleteSessionClientIds: db.prepare('DELETE FROM client_ids WHERE urn = ?'),
    deleteSessionValues: db.prepare('DELETE FROM session_values WHERE urn = ?'),
    getValue: db.prepare<[string, string], { value: string }>('SELECT value FROM session_values WHERE urn = ? AND name = ?'),
    putValue: db.prepare<[string, string, string, string]>(
      'INSERT INTO session_values (urn, name, value) SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM sessions WHERE urn = ?) ON CONFLICT (urn, name) DO UPDATE SET value = excluded.value',
    ),
    putValueIfAbsent: db.prepare<[string, string, string, string]>(
      'INSERT OR IGNORE INTO session_values (urn, name, value) SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM sessions WHERE urn = ?)',
    ),
    clearValue: db.prepare<[string, string]>('DELETE FROM session_values WHERE urn = ? AND name = ?'),
    clearValueIf: db.prepare<[string, string, string]>('DELETE FROM session_values WHERE urn = ? AND name = ? AND value = ?'),
    findClientId: db.prepare<[string, string], MessageRow>(
      'SELECT m.* FROM client_ids c JOIN messages m ON m.urn = c.urn AND m.seq = c.seq WHERE c.urn = ? AND c.client_id = ?',
    ),
    // REPLACE: a row whose message was pruned in between is stale and gets the new seq.
    insertClientId: db.prepare('INSERT OR REPLACE INTO client_ids (urn, client_id, seq) VALUES (?, ?, ?)'),
    // The newest seq of a session: its newest stored message, or, once pruning removed those,
    // the floor prune() left in sessions.last_seq. Reading it costs no write per message.
    topSeq: db.prepare<[string], { last_seq: number; top: number | null }>(
      'SELECT s.last_seq, (SELECT MAX(m.seq) FROM messages m WHERE m.urn = s.urn) AS top FROM sessions s WHERE s.urn = ?',
    ),
    insertMessage: db.prepare('INSERT INTO messages (urn, seq, direction, id, text, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    // INDEXED BY: the primary key's urn prefix also qualifies, and would read the whole session.
    findOut: db.prepare<[string, string], MessageRow>("SELECT * FROM messages INDEXED BY messages_out_by_id WHERE id = ? AND direction = 'out' AND urn = ?"),
    // A new pending entry is its session's head when nothing else of the session is pending.
    insertOutbox: db.prepare<[string, number, string, string, number, number, string]>(
      `INSERT INTO outbox (urn, seq, message_id, text, created_at, state, next_at, head)
       VALUES (?, ?, ?, ?, ?, 'pending', ?, NOT EXISTS (SELECT 1 FROM outbox WHERE urn = ? AND state = 'pending'))`,
    ),
    getDelivered: db.prepare<[string], { delivered_seq: number }>('SELECT delivered_seq FROM sessions WHERE urn = ?'),
    advanceDelivered: db.prepare<[number, string], { delivered_seq: number }>(
      'UPDATE sessions SET delivered_seq = MAX(delivered_seq, ?) WHERE urn = ? RETURNING delivered_seq',
    ),
  };
}

export class SqliteMessages extends SqliteDb implements SettingsStore, SessionStore, MessageLog {
  protected m!: ReturnType<typeof statements>;

  protected override prepare(): void {
    super.prepare();
    this.m = statements(this.db);
  }

  async getOrSetSetting(key: string, value: string): Promise<string> {
    this.m.insertSetting.run(key, value);
    return this.m.getSetting.get(key)!.value;
  }

  async createSession(session: SessionRecord): Promise<{ created: boolean; session: SessionRecord }> {
    const res = this.m.insertSession.run(session.urn, session.channelUuid, session.hostApi, session.createdAt);
    if (res.changes === 1) return { created: true, session: { ...session } };
    return { created: false, session: (await this.getSession(session.urn))! };
  }

  async getSession(urn: string): Promise<SessionRecord | null> {
    const r = this.m.getSession.get(urn);
    return r ? { urn: r.urn, channelUuid: r.channel_uuid, hostApi: r.host_api, createdAt: r.created_at } : null;
  }

  async deleteSession(urn: string): Promise<boolean> {
    return this.immediate(() => {
      this.m.deleteSessionMessages.run(urn);
      this.m.deleteSessionOutbox.run(urn);
      this.m.deleteSessionClientIds.run(urn);
      this.m.deleteSessionValues.run(urn);
      return this.m.deleteSession.run(urn).changes === 1;
    });
  }

  /** Callers insert the message with this seq in the same transaction. */
  private nextSeq(urn: string): number {
    const r = this.m.topSeq.get(urn);
    if (!r) throw new UnknownSessionError(urn);
    return Math.max(r.last_seq, r.top ?? 0) + 1;
  }

  /** A user message and its outbox entry, in the caller's transaction. */
  private insertInbound(urn: string, msg: { id: string; text: string; createdAt: number }, payload: Record<string, unknown>): StoredMessage {
    const seq = this.nextSeq(urn);
    this.m.insertMessage.run(urn, seq, 'in', msg.id, msg.text, JSON.stringify(payload), msg.createdAt);
    this.m.insertOutbox.run(urn, seq, msg.id, msg.text, msg.createdAt, msg.createdAt, urn);
    return { urn, seq, direction: 'in', id: msg.id, text: msg.text, payload, createdAt: msg.createdAt };
  }

  async getSessionValue(urn: string, name: string): Promise<string | null> {
    return this.m.getValue.get(urn, name)?.value ?? null;
  }

  async putSessionValue(urn: string, name: string, value: string, mode: 'always' | 'ifAbsent' = 'always'): Promise<string> {
    return this.grouped(() => {
      (mode === 'ifAbsent' ? this.m.putValueIfAbsent : this.m.putValue).run(urn, name, value, urn);
      const held = this.m.getValue.get(urn, name);
      if (!held) throw new UnknownSessionError(urn);
      return held.value;
    });
  }

  async clearSessionValue(urn: string, name: string, ifValue?: string): Promise<void> {
    await this.grouped(() => (ifValue === undefined ? this.m.clearValue.run(urn, name) : this.m.clearValueIf.run(urn, name, ifValue)));
  }

  async appendInbound(urn: string, msg: InboundMessage): Promise<StoredMessage> {
    return this.grouped(() => this.insertInbound(urn, msg, structuredClone(msg.payload ?? {})));
  }

  async appendInboundOnce(urn: string, msg: InboundMessage & { clientId: string }): Promise<{ message: StoredMessage; duplicate: boolean }> {
    return this.grouped(() => {
      const existing = this.m.findClientId.get(urn, msg.clientId);
      if (existing) return { message: toMessage(existing), duplicate: true };
      const message = this.insertInbound(urn, msg, { ...structuredClone(msg.payload ?? {}), clientMessageId: msg.clientId });
      this.m.insertClientId.run(urn, msg.clientId, message.seq);
      return { message, duplicate: false };
    });
  }

  async findInboundOnce(urn: string, clientId: string): Promise<StoredMessage | null> {
    const row = this.m.findClientId.get(urn, clientId);
    return row ? toMessage(row) : null;
  }

  async appendOutbound(
    urn: string,
    msg: { id: string; text: string; payload: Record<string, unknown>; createdAt: number },
  ): Promise<{ message: StoredMessage; duplicate: boolean }> {
    return this.grouped(() => {
      let part = 1;
      for (const row of this.m.findOut.all(msg.id, urn)) {
        const stored = toMessage(row);
        if (stored.text === msg.text) return { message: stored, duplicate: true };
        part = Math.max(part, (stored.part ?? 1) + 1);
      }
      const seq = this.nextSeq(urn);
      const plain: StoredMessage = { urn, seq, direction: 'out', id: msg.id, text: msg.text, payload: msg.payload, createdAt: msg.createdAt };
      const json = JSON.stringify(asPart(plain, msg.id, part).payload);
      this.m.insertMessage.run(urn, seq, 'out', msg.id, msg.text, json, msg.createdAt);
      // A copy, so the caller's object and the stored one never alias; parsing the JSON just
      // written is cheaper than structuredClone and yields exactly what a later read returns.
      return { message: toMessage({ urn, seq, direction: 'out', id: msg.id, text: msg.text, payload: json, created_at: msg.createdAt }), duplicate: false };
    });
  }

  async readMessages(urn: string, o: ReadOptions): Promise<StoredMessage[]> {
    const where = ['urn = ?'];
    const args: unknown[] = [urn];
    if (o.afterSeq !== undefined) {
      where.push('seq > ?');
      args.push(o.afterSeq);
    }
    if (o.beforeSeq !== undefined) {
      where.push('seq < ?');
      args.push(o.beforeSeq);
    }
    if (o.direction !== undefined) {
      where.push('direction = ?');
      args.push(o.direction);
    }
    args.push(o.limit);
    const sql = `SELECT * FROM messages WHERE ${where.join(' AND ')} ORDER BY seq ${o.newestFirst ? 'DESC' : 'ASC'} LIMIT ?`;
    // Statements are cached by better-sqlite3 per call site only; this path is not hot per message.
    return (this.db.prepare(sql).all(...args) as MessageRow[]).map(toMessage);
  }

  async getDeliveredSeq(urn: string): Promise<number> {
    return this.m.getDelivered.get(urn)?.delivered_seq ?? 0;
  }

  async advanceDeliveredSeq(urn: string, seq: number): Promise<number> {
    return this.grouped(() => this.m.advanceDelivered.get(seq, urn)?.delivered_seq ?? 0);
  }
}
