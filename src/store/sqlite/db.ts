// The SQLite store's connection (better-sqlite3). WAL journal; `synchronous` is configurable:
// NORMAL (default) keeps every committed transaction through a process crash (kill -9), because
// the WAL is in the OS page cache before COMMIT returns; only an OS crash or power cut can lose
// the last transactions. FULL also fsyncs each commit, for machines that lose power.
//
// Also here: the WAL checkpointer worker (checkpointer.ts) and group commit, which the roles built
// on this class (messages.ts, outbox.ts, admin.ts, store.ts) use for their hot writes.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { UnknownSessionError } from '../store.js';
import type { Lifecycle } from '../roles.js';
import { migrate } from './schema.js';

export type SqliteSynchronous = 'normal' | 'full';

/** SQLite's own default: a checkpoint once the WAL holds this many pages. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** With the checkpointer worker running: only if it falls far behind (about 40 MB of WAL). */
const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

interface BatchResult {
  ok: boolean;
  value: unknown;
}

interface GroupedOp {
  fn: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class SqliteDb implements Lifecycle {
  protected readonly db: Database.Database;
  private checkpointer: Worker | undefined;
  /** Checkpoints the worker could not run (busy, I/O); exposed for tests and diagnostics. */
  checkpointErrors = 0;

  constructor(path: string, synchronous: SqliteSynchronous = 'normal') {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = OFF');
    this.runBatch = this.db.transaction((ops: GroupedOp[]): BatchResult[] => {
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
      // Checkpoints run on a worker thread (checkpointer.ts). The writer's own autocheckpoint
      // stays as a fallback, at a threshold the worker normally never lets the WAL reach, so a
      // stalled worker cannot let the WAL grow without bound.
      this.db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
      this.checkpointer = new Worker(new URL('./checkpointer.js', import.meta.url), { workerData: { path } });
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

  async init(): Promise<void> {
    migrate(this.db);
    this.prepare();
  }

  /** Prepares each role's statements once the tables exist; every role adds its own. */
  protected prepare(): void {}

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1 FROM sessions LIMIT 1').get();
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

  // Every transaction reads then writes, so it starts IMMEDIATE: in WAL mode a deferred one
  // that another process committed under fails at once with SQLITE_BUSY, busy_timeout or not.
  protected immediate<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // Group commit: the hot writes (messages and delivery marks) queue up during one turn of the
  // event loop and commit together in one transaction. Callers still hear back only after the
  // commit, so "accepted means stored" holds; under load one commit carries many messages
  // instead of one each. The ops run without a savepoint each (savepoints cost about as much as
  // the insert itself): an op either completes or throws UnknownSessionError before it writes
  // anything. Any other error rolls the batch back and replays it one transaction per op, so
  // only the faulty op fails.
  private pending: GroupedOp[] = [];
  private flushScheduled = false;
  /** Runs one batch of grouped ops in the current transaction (see flush). */
  private readonly runBatch: Database.Transaction<(ops: GroupedOp[]) => BatchResult[]>;

  protected grouped<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: (v) => resolve(v as T), reject });
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
          return { ok: true, value: this.immediate(op.fn) };
        } catch (err) {
          return { ok: false, value: err };
        }
      });
    }
    batch.forEach((op, i) => (results[i]!.ok ? op.resolve(results[i]!.value) : op.reject(results[i]!.value)));
  }
}
