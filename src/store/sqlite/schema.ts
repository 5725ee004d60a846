// The SQLite store's tables and indexes, and the steps that bring a file written by an earlier
// version up to date (run by init, in one transaction).
import type Database from 'better-sqlite3';

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
`;

// After the column check in migrate(). Claims and the next wake-up read the due front of this
// index, so they cost the same whatever the backlog (a platform down for an hour leaves one).
const OUTBOX_DUE_INDEX = `
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (max(next_at, lease_until), id) WHERE head = 1;
`;

// After SCHEMA and the column check in migrate(), so it also works on files made before the column.
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

// The admin role's indexes (admin.ts): sessions by (created_at, urn), failed outbox entries by two
// partial indexes that only failed rows enter (failing is rare, so they cost the message path
// nothing).
export const ADMIN_INDEXES = `
CREATE INDEX IF NOT EXISTS sessions_by_created ON sessions (created_at, urn);
CREATE INDEX IF NOT EXISTS outbox_failed ON outbox (created_at, id) WHERE state = 'failed';
CREATE INDEX IF NOT EXISTS outbox_failed_by_urn ON outbox (urn, id) WHERE state = 'failed';
`;

/** Diagnostics (and the tests that keep queries on their indexes): the plan of each reading statement. */
export function queryPlans(db: Database.Database, statements: Record<string, Database.Statement>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, stmt] of Object.entries(statements)) {
    if (!stmt.reader) continue;
    const params = (stmt.source.match(/\?/g) ?? []).map(() => 0);
    out[name] = (db.prepare(`EXPLAIN QUERY PLAN ${stmt.source}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');
  }
  return out;
}

function hasColumn(db: Database.Database, table: string, column: string): boolean {
  return (db.pragma(`table_info(${table})`) as { name: string }[]).some((c) => c.name === column);
}

/** Creates what is missing and upgrades a file of an earlier version; one IMMEDIATE transaction. */
export function migrate(db: Database.Database): void {
  db.transaction(() => {
    db.exec(SCHEMA);
    if (!hasColumn(db, 'messages', 'expired_reported')) {
      db.exec('ALTER TABLE messages ADD COLUMN expired_reported INTEGER NOT NULL DEFAULT 0');
    }
    db.exec(EXPIRY_INDEX);
    if (!hasColumn(db, 'outbox', 'head')) {
      db.exec('ALTER TABLE outbox ADD COLUMN head INTEGER NOT NULL DEFAULT 0');
      db.exec("UPDATE outbox SET head = 1 WHERE id IN (SELECT MIN(id) FROM outbox WHERE state = 'pending' GROUP BY urn)");
    }
    db.exec(OUTBOX_DUE_INDEX);
    db.exec(DROPPED_INDEXES);
  }).immediate();
  db.exec(ADMIN_INDEXES);
}
