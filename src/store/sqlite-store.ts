// Embedded store on SQLite (better-sqlite3). WAL journal; `synchronous` is configurable:
// NORMAL (default) keeps every committed transaction through a process crash (kill -9), because
// the WAL is in the OS page cache before COMMIT returns; only an OS crash or power cut can lose
// the last transactions. FULL also fsyncs each commit, for machines that lose power.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import {
  asPart,
  partId,
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
import { SqliteAdmin } from './sqlite-admin.js';

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
-- Platform ids, for dedupe (findOut also matches the urn). Keyed by id alone: platforms number
-- their messages in order, so new entries land on the index's last page instead of one page per
-- session; each page a commit touches is a WAL write, and that is most of a commit's cost.
CREATE INDEX IF NOT EXISTS messages_out_by_id ON messages (id) WHERE direction = 'out';
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
  last_error TEXT,
  -- 1 on the oldest pending entry of its session, the only one that may be sent (order per
  -- session); kept by insertOutbox and promoteHead.
  head INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (urn, id) WHERE state = 'pending';
-- clientMessageId -> seq of the "in" message it stored (appendInboundOnce); a row goes with its
-- message (prune, deleteSession). Only messages sent with a client id write here.
CREATE TABLE IF NOT EXISTS client_ids (
  urn TEXT NOT NULL,
  client_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (urn, client_id)
) WITHOUT ROWID;
-- Session values (Store.getSessionValue): a WWC token binding, pending contact fields; a row
-- goes with its session (deleteSession), never by prune.
CREATE TABLE IF NOT EXISTS session_values (
  urn TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (urn, name)
) WITHOUT ROWID;
`;

// After the column check in init(). Claims and the next wake-up read the due front of this
// index, so they cost the same whatever the backlog (a platform down for an hour leaves one).
const OUTBOX_DUE_INDEX = `
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (max(next_at, lease_until), id) WHERE head = 1;
`;

// After SCHEMA and the column check in init(), so it also works on files made before the column.
const EXPIRY_INDEX = `
CREATE INDEX IF NOT EXISTS messages_expiry ON messages (created_at) WHERE direction = 'out' AND expired_reported = 0;
`;

// Indexes of earlier versions that cost a page write per message and are no longer read:
// (urn, id) is replaced by messages_out_by_id; created_at served only the hourly prune, which
// scans the table anyway (its per-session count does).
const DROPPED_INDEXES = `
DROP INDEX IF EXISTS messages_out_id;
DROP INDEX IF EXISTS messages_created;
`;

/** SQLite's own default: a checkpoint once the WAL holds this many pages. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** With the checkpointer worker running: only if it falls far behind (about 40 MB of WAL). */
const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

interface BatchResult {
  ok: boolean;
  value: unknown;
}

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

// The id column holds the platform's id (dedupe looks parts up by it); a further part's payload is
// stored already in its part shape (asPart), and its part number is read back from there.
function toMessage(r: MessageRow): StoredMessage {
  const payload = JSON.parse(r.payload) as Record<string, unknown>;
  const m: StoredMessage = { urn: r.urn, seq: r.seq, direction: r.direction, id: r.id, text: r.text, payload, createdAt: r.created_at };
  const part = payload['part'];
  // (a platform's own "part" field leaves payload.id as the platform's id: not one of ours)
  return r.direction === 'out' && typeof part === 'number' && part > 1 && payload['id'] === partId(r.id, part) ? asPart(m, r.id, part) : m;
}

export class SqliteStore implements Store, AdminStore {
  private readonly db: Database.Database;
  private stmts!: ReturnType<SqliteStore['prepare']>;

  constructor(path: string, synchronous: SqliteSynchronous = 'normal') {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = OFF');
    this.runBatch = this.db.transaction((ops: SqliteStore['pending']): BatchResult[] => {
      const results: BatchResult[] = [];
      for (const op of ops) {
        try {
          results.push({ ok: true, value: op.fn() });
        } catch (err) {
          if (!(err instanceof UnknownSessionError)) throw err; // may have written: roll back
          results.push({ ok: false, value: err });
        }
      }
      return results;
    });
    if (path !== ':memory:') {
      // Checkpoints run on a worker thread (sqlite-checkpointer.ts). The writer's own
      // autocheckpoint stays as a fallback, at a threshold the worker normally never lets the WAL
      // reach, so a stalled worker cannot let the WAL grow without bound.
      this.db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
      this.checkpointer = new Worker(new URL('./sqlite-checkpointer.js', import.meta.url), { workerData: { path } });
      this.checkpointer.on('message', (m: { error?: string }) => {
        if (m.error) this.checkpointErrors++;
      });
      this.checkpointer.on('error', () => {
        this.checkpointer = undefined; // the fallback autocheckpoint takes over
        if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
      });
      // After the listeners: attaching a 'message' listener refs the worker again. Unref'd, it
      // never keeps the process alive on its own.
      this.checkpointer.unref();
    }
  }

  private checkpointer: Worker | undefined;
  /** Checkpoints the worker could not run (busy, I/O); exposed for tests and diagnostics. */
  checkpointErrors = 0;

  async init(): Promise<void> {
    this.db
      .transaction(() => {
        this.db.exec(SCHEMA);
        const cols = this.db.pragma('table_info(messages)') as { name: string }[];
        if (!cols.some((c) => c.name === 'expired_reported')) {
          this.db.exec('ALTER TABLE messages ADD COLUMN expired_reported INTEGER NOT NULL DEFAULT 0');
        }
        this.db.exec(EXPIRY_INDEX);
        const outboxCols = this.db.pragma('table_info(outbox)') as { name: string }[];
        if (!outboxCols.some((c) => c.name === 'head')) {
          this.db.exec('ALTER TABLE outbox ADD COLUMN head INTEGER NOT NULL DEFAULT 0');
          this.db.exec("UPDATE outbox SET head = 1 WHERE id IN (SELECT MIN(id) FROM outbox WHERE state = 'pending' GROUP BY urn)");
        }
        this.db.exec(OUTBOX_DUE_INDEX);
        this.db.exec(DROPPED_INDEXES);
      })
      .immediate();
    this.stmts = this.prepare();
    this.admin = new SqliteAdmin(this.db);
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
      pruneClientIds: db.prepare('DELETE FROM client_ids WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.urn = client_ids.urn AND m.seq = client_ids.seq)'),
      // The newest seq of a session: its newest stored message, or, once pruning removed those,
      // the floor prune() left in sessions.last_seq. Reading it costs no write per message.
      topSeq: db.prepare<[string], { last_seq: number; top: number | null }>(
        'SELECT s.last_seq, (SELECT MAX(m.seq) FROM messages m WHERE m.urn = s.urn) AS top FROM sessions s WHERE s.urn = ?',
      ),
      insertMessage: db.prepare('INSERT INTO messages (urn, seq, direction, id, text, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      // INDEXED BY: the primary key's urn prefix also qualifies, and would read the whole session.
      findOut: db.prepare<[string, string], MessageRow>("SELECT * FROM messages INDEXED BY messages_out_by_id WHERE id = ? AND direction = 'out' AND urn = ?"),
      insertOutbox: db.prepare<[string, number, string, string, number, number, string]>(
        `INSERT INTO outbox (urn, seq, message_id, text, created_at, state, next_at, head)
         VALUES (?, ?, ?, ?, ?, 'pending', ?, NOT EXISTS (SELECT 1 FROM outbox WHERE urn = ? AND state = 'pending'))`,
      ),
      getDelivered: db.prepare<[string], { delivered_seq: number }>('SELECT delivered_seq FROM sessions WHERE urn = ?'),
      advanceDelivered: db.prepare<[number, string], { delivered_seq: number }>(
        'UPDATE sessions SET delivered_seq = MAX(delivered_seq, ?) WHERE urn = ? RETURNING delivered_seq',
      ),
      claimable: db.prepare<[number, number], OutboxRow>(
        `SELECT id, urn, seq, message_id, text, created_at, attempts FROM outbox
          WHERE head = 1 AND max(next_at, lease_until) <= ?
          ORDER BY max(next_at, lease_until), id
          LIMIT ?`,
      ),
      lease: db.prepare('UPDATE outbox SET lease_until = ? WHERE id = ?'),
      complete: db.prepare<[number], { urn: string }>('DELETE FROM outbox WHERE id = ? RETURNING urn'),
      retry: db.prepare("UPDATE outbox SET attempts = attempts + 1, next_at = ?, lease_until = 0, last_error = ? WHERE id = ? AND state = 'pending'"),
      fail: db.prepare<[string, number], { urn: string }>(
        "UPDATE outbox SET state = 'failed', head = 0, last_error = ?, lease_until = 0 WHERE id = ? RETURNING urn",
      ),
      // After an entry left the pending set: its session's oldest pending entry is the head.
      promoteHead: db.prepare("UPDATE outbox SET head = 1 WHERE id = (SELECT MIN(id) FROM outbox WHERE urn = ? AND state = 'pending') AND head = 0"),
      nextDue: db.prepare<[], { due: number | null }>('SELECT MIN(max(next_at, lease_until)) AS due FROM outbox WHERE head = 1'),
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
      // Before pruning: sessions about to lose their newest message keep its seq as a floor, so
      // seqs are never reused (see topSeq).
      keepSeqFloor: db.prepare(
        `UPDATE sessions SET last_seq = (SELECT MAX(m.seq) FROM messages m WHERE m.urn = sessions.urn)
          WHERE urn IN (SELECT urn FROM messages WHERE created_at < @cutoff
                        UNION SELECT urn FROM messages GROUP BY urn HAVING COUNT(*) > @keep)
            AND last_seq < (SELECT MAX(m.seq) FROM messages m WHERE m.urn = sessions.urn)`,
      ),
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
    const worker = this.checkpointer;
    this.checkpointer = undefined;
    if (worker) {
      worker.ref(); // keep the event loop alive until the worker has closed its connection
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('close');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      await worker.terminate();
    }
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
    return this.db
      .transaction(() => {
        this.stmts.deleteSessionMessages.run(urn);
        this.stmts.deleteSessionOutbox.run(urn);
        this.stmts.deleteSessionClientIds.run(urn);
        this.stmts.deleteSessionValues.run(urn);
        return this.stmts.deleteSession.run(urn).changes === 1;
      })
      .immediate();
  };

  async deleteSession(urn: string): Promise<boolean> {
    return this.deleteTx(urn);
  }

  /** Callers insert the message with this seq in the same transaction. */
  private nextSeq(urn: string): number {
    const r = this.stmts.topSeq.get(urn);
    if (!r) throw new UnknownSessionError(urn);
    return Math.max(r.last_seq, r.top ?? 0) + 1;
  }

  // Group commit: the hot writes (messages and delivery marks) queue up during one turn of the
  // event loop and commit together in one transaction. Callers still hear back only after the
  // commit, so "accepted means stored" holds; under load one commit carries many messages
  // instead of one each. The ops run without a savepoint each (savepoints cost about as much as
  // the insert itself): an op either completes or throws UnknownSessionError before it writes
  // anything. Any other error rolls the batch back and replays it one transaction per op, so
  // only the faulty op fails.
  private pending: Array<{ fn: () => unknown; resolve: (v: any) => void; reject: (e: unknown) => void }> = [];
  private flushScheduled = false;
  /** Runs one batch of grouped ops in the current transaction (see flush). */
  private readonly runBatch: Database.Transaction<(ops: SqliteStore['pending']) => BatchResult[]>;

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
    let results: BatchResult[];
    try {
      results = this.runBatch.immediate(batch);
    } catch {
      results = batch.map((op) => {
        try {
          return { ok: true, value: this.db.transaction(op.fn).immediate() };
        } catch (err) {
          return { ok: false, value: err };
        }
      });
    }
    batch.forEach((op, i) => (results[i]!.ok ? op.resolve(results[i]!.value) : op.reject(results[i]!.value)));
  }

  async getSessionValue(urn: string, name: string): Promise<string | null> {
    return this.stmts.getValue.get(urn, name)?.value ?? null;
  }

  async putSessionValue(urn: string, name: string, value: string, mode: 'always' | 'ifAbsent' = 'always'): Promise<string> {
    return this.grouped(() => {
      (mode === 'ifAbsent' ? this.stmts.putValueIfAbsent : this.stmts.putValue).run(urn, name, value, urn);
      const held = this.stmts.getValue.get(urn, name);
      if (!held) throw new UnknownSessionError(urn);
      return held.value;
    });
  }

  async clearSessionValue(urn: string, name: string, ifValue?: string): Promise<void> {
    await this.grouped(() => (ifValue === undefined ? this.stmts.clearValue.run(urn, name) : this.stmts.clearValueIf.run(urn, name, ifValue)));
  }

  async appendInbound(urn: string, msg: InboundMessage): Promise<StoredMessage> {
    return this.grouped(() => {
      const seq = this.nextSeq(urn);
      this.stmts.insertMessage.run(urn, seq, 'in', msg.id, msg.text, msg.payload ? JSON.stringify(msg.payload) : '{}', msg.createdAt);
      this.stmts.insertOutbox.run(urn, seq, msg.id, msg.text, msg.createdAt, msg.createdAt, urn);
      const payload = msg.payload ? structuredClone(msg.payload) : {};
      return { urn, seq, direction: 'in' as const, id: msg.id, text: msg.text, payload, createdAt: msg.createdAt };
    });
  }

  async appendInboundOnce(urn: string, msg: InboundMessage & { clientId: string }): Promise<{ message: StoredMessage; duplicate: boolean }> {
    return this.grouped(() => {
      const existing = this.stmts.findClientId.get(urn, msg.clientId);
      if (existing) return { message: toMessage(existing), duplicate: true };
      const seq = this.nextSeq(urn);
      const payload = { ...structuredClone(msg.payload ?? {}), clientMessageId: msg.clientId };
      this.stmts.insertMessage.run(urn, seq, 'in', msg.id, msg.text, JSON.stringify(payload), msg.createdAt);
      this.stmts.insertOutbox.run(urn, seq, msg.id, msg.text, msg.createdAt, msg.createdAt, urn);
      this.stmts.insertClientId.run(urn, msg.clientId, seq);
      const message: StoredMessage = { urn, seq, direction: 'in', id: msg.id, text: msg.text, payload, createdAt: msg.createdAt };
      return { message, duplicate: false };
    });
  }

  async appendOutbound(
    urn: string,
    msg: { id: string; text: string; payload: Record<string, unknown>; createdAt: number },
  ): Promise<{ message: StoredMessage; duplicate: boolean }> {
    return this.grouped(() => {
      let part = 1;
      for (const row of this.stmts.findOut.all(msg.id, urn)) {
        const stored = toMessage(row);
        if (stored.text === msg.text) return { message: stored, duplicate: true };
        part = Math.max(part, (stored.part ?? 1) + 1);
      }
      const seq = this.nextSeq(urn);
      const plain: StoredMessage = { urn, seq, direction: 'out', id: msg.id, text: msg.text, payload: msg.payload, createdAt: msg.createdAt };
      const json = JSON.stringify(asPart(plain, msg.id, part).payload);
      this.stmts.insertMessage.run(urn, seq, 'out', msg.id, msg.text, json, msg.createdAt);
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
    return this.stmts.getDelivered.get(urn)?.delivered_seq ?? 0;
  }

  async advanceDeliveredSeq(urn: string, seq: number): Promise<number> {
    return this.grouped(() => {
      return this.stmts.advanceDelivered.get(seq, urn)?.delivered_seq ?? 0;
    });
  }

  async claimOutbox(now: number, limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    return this.db
      .transaction(() => {
        const rows = this.stmts.claimable.all(now, limit);
        for (const r of rows) this.stmts.lease.run(now + leaseMs, r.id);
        return rows.map((r) => ({
          ref: String(r.id),
          urn: r.urn,
          seq: r.seq,
          messageId: r.message_id,
          text: r.text,
          createdAt: r.created_at,
          attempts: r.attempts,
        }));
      })
      .immediate();
  }

  // Outcomes of platform calls commit with the other hot writes of the turn (group commit)
  // rather than one transaction each.
  async completeOutbox(entry: OutboxEntry): Promise<void> {
    await this.grouped(() => {
      const gone = this.stmts.complete.get(Number(entry.ref));
      if (gone) this.stmts.promoteHead.run(gone.urn);
    });
  }

  async retryOutbox(entry: OutboxEntry, nextAttemptAt: number, error: string): Promise<void> {
    await this.grouped(() => this.stmts.retry.run(nextAttemptAt, error, Number(entry.ref)));
  }

  async failOutbox(entry: OutboxEntry, reason: string): Promise<void> {
    await this.grouped(() => {
      const failed = this.stmts.fail.get(reason, Number(entry.ref));
      if (failed) this.stmts.promoteHead.run(failed.urn);
    });
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
    return this.db
      .transaction(() => {
        this.stmts.retireDelivered.run(cutoff);
        const rows = this.stmts.expired.all(cutoff, limit);
        for (const r of rows) this.stmts.markReported.run(r.urn, r.seq);
        return rows.map(toMessage);
      })
      .immediate();
  }

  async prune(o: PruneOptions): Promise<number> {
    return this.db
      .transaction(() => {
        const cutoff = o.now - o.maxAge;
        this.stmts.keepSeqFloor.run({ cutoff, keep: o.maxMessagesPerSession });
        let removed = this.stmts.pruneAge.run(cutoff).changes;
        removed += this.stmts.pruneCount.run(o.maxMessagesPerSession).changes;
        if (removed > 0) this.stmts.pruneClientIds.run();
        this.stmts.pruneFailed.run(cutoff);
        return removed;
      })
      .immediate();
  }

  // --- Admin role (admin-store.ts): the queries live in sqlite-admin.ts.
  private admin!: SqliteAdmin;

  async storeOverview(): Promise<StoreOverview> {
    return this.admin.storeOverview();
  }

  async listSessions(query: SessionQuery): Promise<Page<SessionSummary>> {
    return this.admin.listSessions(query);
  }

  async summarizeSessions(urns: readonly string[]): Promise<SessionSummary[]> {
    return this.admin.summarizeSessions(urns);
  }

  async listFailedOutbox(query: { cursor?: string; limit: number }): Promise<Page<OutboxItem>> {
    return this.admin.listFailedOutbox(query);
  }

  async sessionOutbox(urn: string, limit: number): Promise<OutboxItem[]> {
    return this.admin.sessionOutbox(urn, limit);
  }

  async requeueOutbox(id: string, now: number): Promise<RequeueResult> {
    return this.admin.requeueOutbox(id, now);
  }
}
