// Embedded store on SQLite (better-sqlite3). WAL journal; `synchronous` is configurable:
// NORMAL (default) keeps every committed transaction through a process crash (kill -9), because
// the WAL is in the OS page cache before COMMIT returns; only an OS crash or power cut can lose
// the last transactions. FULL also fsyncs each commit, for machines that lose power.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  UnknownSessionError,
  type OutboxEntry,
  type OutboxStats,
  type PruneOptions,
  type ReadOptions,
  type SessionRecord,
  type Store,
  type StoredMessage,
} from './store.js';

export type SqliteSynchronous = 'normal' | 'full';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
  urn TEXT PRIMARY KEY,
  channel_uuid TEXT NOT NULL,
  host_api TEXT,
  created_at INTEGER NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0,
  delivered_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS messages (
  urn TEXT NOT NULL,
  seq INTEGER NOT NULL,
  direction TEXT NOT NULL,
  id TEXT NOT NULL,
  text TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  -- 1 once takeExpiredUndelivered returned the message, or found it delivered (then it never
  -- will be returned: deliveredSeq only rises); keeps such rows out of messages_expiry.
  expired_reported INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (urn, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS messages_out_id ON messages (urn, id) WHERE direction = 'out';
CREATE INDEX IF NOT EXISTS messages_created ON messages (created_at);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY,
  urn TEXT NOT NULL,
  seq INTEGER NOT NULL,
  message_id TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  lease_until INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (urn, id) WHERE state = 'pending';
`;

// After SCHEMA and the column check in init(), so it also works on files made before the column.
const EXPIRY_INDEX = `
CREATE INDEX IF NOT EXISTS messages_expiry ON messages (created_at) WHERE direction = 'out' AND expired_reported = 0;
`;

interface MessageRow {
  urn: string;
  seq: number;
  direction: 'in' | 'out';
  id: string;
  text: string;
  payload: string;
  created_at: number;
}

interface OutboxRow {
  id: number;
  urn: string;
  seq: number;
  message_id: string;
  text: string;
  created_at: number;
  attempts: number;
}

function toMessage(r: MessageRow): StoredMessage {
  return { urn: r.urn, seq: r.seq, direction: r.direction, id: r.id, text: r.text, payload: JSON.parse(r.payload), createdAt: r.created_at };
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private stmts!: ReturnType<SqliteStore['prepare']>;

  constructor(path: string, synchronous: SqliteSynchronous = 'normal') {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = OFF');
  }

  async init(): Promise<void> {
    this.db.transaction(() => {
      this.db.exec(SCHEMA);
      const cols = this.db.pragma('table_info(messages)') as { name: string }[];
      if (!cols.some((c) => c.name === 'expired_reported')) {
        this.db.exec('ALTER TABLE messages ADD COLUMN expired_reported INTEGER NOT NULL DEFAULT 0');
      }
      this.db.exec(EXPIRY_INDEX);
    }).immediate();
    this.stmts = this.prepare();
  }

  private prepare() {
    const db = this.db;
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
      bumpSeq: db.prepare<[string], { last_seq: number }>('UPDATE sessions SET last_seq = last_seq + 1 WHERE urn = ? RETURNING last_seq'),
      insertMessage: db.prepare('INSERT INTO messages (urn, seq, direction, id, text, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      findOut: db.prepare<[string, string], MessageRow>("SELECT * FROM messages WHERE urn = ? AND id = ? AND direction = 'out'"),
      insertOutbox: db.prepare(
        "INSERT INTO outbox (urn, seq, message_id, text, created_at, state, next_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
      ),
      getDelivered: db.prepare<[string], { delivered_seq: number }>('SELECT delivered_seq FROM sessions WHERE urn = ?'),
      advanceDelivered: db.prepare('UPDATE sessions SET delivered_seq = MAX(delivered_seq, ?) WHERE urn = ?'),
      claimable: db.prepare<[number, number, number], OutboxRow>(
        `SELECT o.id, o.urn, o.seq, o.message_id, o.text, o.created_at, o.attempts
           FROM outbox o
           JOIN (SELECT MIN(id) AS id FROM outbox WHERE state = 'pending' GROUP BY urn) h ON h.id = o.id
          WHERE o.next_at <= ? AND o.lease_until <= ?
          ORDER BY o.next_at, o.id
          LIMIT ?`,
      ),
      lease: db.prepare('UPDATE outbox SET lease_until = ? WHERE id = ?'),
      complete: db.prepare('DELETE FROM outbox WHERE id = ?'),
      retry: db.prepare("UPDATE outbox SET attempts = attempts + 1, next_at = ?, lease_until = 0, last_error = ? WHERE id = ? AND state = 'pending'"),
      fail: db.prepare("UPDATE outbox SET state = 'failed', last_error = ?, lease_until = 0 WHERE id = ?"),
      nextDue: db.prepare<[], { due: number | null }>(
        `SELECT MIN(MAX(o.next_at, o.lease_until)) AS due
           FROM outbox o
           JOIN (SELECT MIN(id) AS id FROM outbox WHERE state = 'pending' GROUP BY urn) h ON h.id = o.id`,
      ),
      stats: db.prepare<[], { pending: number; failed: number }>(
        "SELECT COALESCE(SUM(state = 'pending'), 0) AS pending, COALESCE(SUM(state = 'failed'), 0) AS failed FROM outbox",
      ),
      // Rows found delivered are retired first, so the select below only meets candidates.
      retireDelivered: db.prepare(
        `UPDATE messages SET expired_reported = 1
          WHERE direction = 'out' AND expired_reported = 0 AND created_at < ?
            AND seq <= (SELECT s.delivered_seq FROM sessions s WHERE s.urn = messages.urn)`,
      ),
      expired: db.prepare<[number, number], MessageRow>(
        `SELECT m.urn, m.seq, m.direction, m.id, m.text, m.payload, m.created_at
           FROM messages m JOIN sessions s ON s.urn = m.urn
          WHERE m.direction = 'out' AND m.expired_reported = 0 AND m.created_at < ? AND m.seq > s.delivered_seq
          ORDER BY m.created_at
          LIMIT ?`,
      ),
      markReported: db.prepare('UPDATE messages SET expired_reported = 1 WHERE urn = ? AND seq = ?'),
      pruneAge: db.prepare('DELETE FROM messages WHERE created_at < ?'),
      pruneCount: db.prepare(
        `DELETE FROM messages WHERE (urn, seq) IN (
           SELECT urn, seq FROM (
             SELECT urn, seq, ROW_NUMBER() OVER (PARTITION BY urn ORDER BY seq DESC) AS rn FROM messages
           ) WHERE rn > ?)`,
      ),
      pruneFailed: db.prepare("DELETE FROM outbox WHERE state = 'failed' AND created_at < ?"),
    };
  }

  async close(): Promise<void> {
    if (this.pending.length > 0) this.flush(); // commit what callers are waiting for
    if (this.db.open) this.db.close();
  }

  async getOrSetSetting(key: string, value: string): Promise<string> {
    this.stmts.insertSetting.run(key, value);
    return this.stmts.getSetting.get(key)!.value;
  }

  async createSession(session: SessionRecord): Promise<{ created: boolean; session: SessionRecord }> {
    const res = this.stmts.insertSession.run(session.urn, session.channelUuid, session.hostApi, session.createdAt);
    if (res.changes === 1) return { created: true, session: { ...session } };
    return { created: false, session: (await this.getSession(session.urn))! };
  }

  async getSession(urn: string): Promise<SessionRecord | null> {
    const r = this.stmts.getSession.get(urn);
    return r ? { urn: r.urn, channelUuid: r.channel_uuid, hostApi: r.host_api, createdAt: r.created_at } : null;
  }

  // Every transaction reads then writes, so it starts IMMEDIATE: in WAL mode a deferred one
  // that another process committed under fails at once with SQLITE_BUSY, busy_timeout or not.
  private readonly deleteTx = (urn: string): boolean => {
    return this.db.transaction(() => {
      this.stmts.deleteSessionMessages.run(urn);
      this.stmts.deleteSessionOutbox.run(urn);
      return this.stmts.deleteSession.run(urn).changes === 1;
    }).immediate();
  };

  async deleteSession(urn: string): Promise<boolean> {
    return this.deleteTx(urn);
  }

  private nextSeq(urn: string): number {
    const r = this.stmts.bumpSeq.get(urn);
    if (!r) throw new UnknownSessionError(urn);
    return r.last_seq;
  }

  // Group commit: the hot writes (messages and delivery marks) queue up during one turn of the
  // event loop and commit together in one transaction, each in its own savepoint so one failure
  // does not undo the others. Callers still hear back only after the commit, so "accepted means
  // stored" holds; under load one commit carries many messages instead of one each.
  private pending: Array<{ fn: () => unknown; resolve: (v: any) => void; reject: (e: unknown) => void }> = [];
  private flushScheduled = false;

  private grouped<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0 || !this.db.open) {
      for (const op of batch) op.reject(new Error('store closed'));
      return;
    }
    const results: Array<{ ok: boolean; value: unknown }> = [];
    try {
      this.db.transaction(() => {
        for (const op of batch) {
          try {
            results.push({ ok: true, value: this.db.transaction(op.fn)() });
          } catch (err) {
            results.push({ ok: false, value: err });
          }
        }
      }).immediate();
    } catch (err) {
      for (const op of batch) op.reject(err);
      return;
    }
    batch.forEach((op, i) => (results[i]!.ok ? op.resolve(results[i]!.value) : op.reject(results[i]!.value)));
  }

  async appendInbound(urn: string, msg: { id: string; text: string; createdAt: number }): Promise<StoredMessage> {
    return this.grouped(() => {
      const seq = this.nextSeq(urn);
      this.stmts.insertMessage.run(urn, seq, 'in', msg.id, msg.text, '{}', msg.createdAt);
      this.stmts.insertOutbox.run(urn, seq, msg.id, msg.text, msg.createdAt, msg.createdAt);
      return { urn, seq, direction: 'in' as const, id: msg.id, text: msg.text, payload: {}, createdAt: msg.createdAt };
    });
  }

  async appendOutbound(
    urn: string,
    msg: { id: string; text: string; payload: Record<string, unknown>; createdAt: number },
  ): Promise<{ message: StoredMessage; duplicate: boolean }> {
    return this.grouped(() => {
      const existing = this.stmts.findOut.get(urn, msg.id);
      if (existing) return { message: toMessage(existing), duplicate: true };
      const seq = this.nextSeq(urn);
      this.stmts.insertMessage.run(urn, seq, 'out', msg.id, msg.text, JSON.stringify(msg.payload), msg.createdAt);
      const message: StoredMessage = { urn, seq, direction: 'out', id: msg.id, text: msg.text, payload: structuredClone(msg.payload), createdAt: msg.createdAt };
      return { message, duplicate: false };
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
    return this.stmts.getDelivered.get(urn)?.delivered_seq ?? 0;
  }

  async advanceDeliveredSeq(urn: string, seq: number): Promise<number> {
    return this.grouped(() => {
      this.stmts.advanceDelivered.run(seq, urn);
      return this.stmts.getDelivered.get(urn)?.delivered_seq ?? 0;
    });
  }

  async claimOutbox(now: number, limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    return this.db.transaction(() => {
      const rows = this.stmts.claimable.all(now, now, limit);
      for (const r of rows) this.stmts.lease.run(now + leaseMs, r.id);
      return rows.map((r) => ({ ref: String(r.id), urn: r.urn, seq: r.seq, messageId: r.message_id, text: r.text, createdAt: r.created_at, attempts: r.attempts }));
    }).immediate();
  }

  async completeOutbox(entry: OutboxEntry): Promise<void> {
    this.stmts.complete.run(Number(entry.ref));
  }

  async retryOutbox(entry: OutboxEntry, nextAttemptAt: number, error: string): Promise<void> {
    this.stmts.retry.run(nextAttemptAt, error, Number(entry.ref));
  }

  async failOutbox(entry: OutboxEntry, reason: string): Promise<void> {
    this.stmts.fail.run(reason, Number(entry.ref));
  }

  async nextOutboxDue(): Promise<number | null> {
    return this.stmts.nextDue.get()?.due ?? null;
  }

  async outboxStats(): Promise<OutboxStats> {
    const r = this.stmts.stats.get()!;
    return { pending: r.pending, failed: r.failed };
  }

  async takeExpiredUndelivered(cutoff: number, limit: number): Promise<StoredMessage[]> {
    if (limit <= 0) return [];
    return this.db.transaction(() => {
      this.stmts.retireDelivered.run(cutoff);
      const rows = this.stmts.expired.all(cutoff, limit);
      for (const r of rows) this.stmts.markReported.run(r.urn, r.seq);
      return rows.map(toMessage);
    }).immediate();
  }

  async prune(o: PruneOptions): Promise<number> {
    return this.db.transaction(() => {
      const cutoff = o.now - o.maxAge;
      let removed = this.stmts.pruneAge.run(cutoff).changes;
      removed += this.stmts.pruneCount.run(o.maxMessagesPerSession).changes;
      this.stmts.pruneFailed.run(cutoff);
      return removed;
    }).immediate();
  }
}
