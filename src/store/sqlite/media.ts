// The media role in SQLite: its own table in the gateway's database file (created on open), on its
// own connection, so the message store's batching is not held up by multi-megabyte writes.
import Database from 'better-sqlite3';
import type { MediaRecord, MediaStore, MediaUsage } from '../media-role.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS media (
  id TEXT PRIMARY KEY,
  urn TEXT NOT NULL,
  message_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  content_type TEXT NOT NULL,
  filename TEXT NOT NULL,
  size INTEGER NOT NULL,
  caption TEXT,
  created_at INTEGER NOT NULL,
  bytes BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS media_by_message ON media (urn, message_id);
CREATE INDEX IF NOT EXISTS media_by_time ON media (created_at);
`;

interface Row {
  id: string;
  urn: string;
  message_id: string;
  kind: MediaRecord['kind'];
  content_type: string;
  filename: string;
  size: number;
  caption: string | null;
  created_at: number;
}

const COLUMNS = 'id, urn, message_id, kind, content_type, filename, size, caption, created_at';

function toRecord(r: Row): MediaRecord {
  const rec: MediaRecord = {
    id: r.id,
    urn: r.urn,
    messageId: r.message_id,
    kind: r.kind,
    contentType: r.content_type,
    filename: r.filename,
    size: r.size,
    createdAt: r.created_at,
  };
  if (r.caption !== null) rec.caption = r.caption;
  return rec;
}

export class SqliteMediaStore implements MediaStore {
  private readonly db: Database.Database;

  constructor(path: string, synchronous: 'normal' | 'full' = 'normal') {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
  }

  async init(): Promise<void> {
    this.db.exec(SCHEMA);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async put(r: MediaRecord, bytes: Buffer): Promise<void> {
    this.db
      .prepare(`INSERT INTO media (${COLUMNS}, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(r.id, r.urn, r.messageId, r.kind, r.contentType, r.filename, r.size, r.caption ?? null, r.createdAt, bytes);
  }

  async get(id: string): Promise<{ record: MediaRecord; bytes: Buffer } | null> {
    const row = this.db.prepare(`SELECT ${COLUMNS}, bytes FROM media WHERE id = ?`).get(id) as (Row & { bytes: Buffer }) | undefined;
    return row ? { record: toRecord(row), bytes: row.bytes } : null;
  }

  async head(id: string): Promise<MediaRecord | null> {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM media WHERE id = ?`).get(id) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  async forMessages(urn: string, messageIds: readonly string[]): Promise<Map<string, MediaRecord>> {
    const out = new Map<string, MediaRecord>();
    if (messageIds.length === 0) return out;
    const stmt = this.db.prepare(`SELECT ${COLUMNS} FROM media WHERE urn = ? AND message_id = ?`);
    for (const id of new Set(messageIds)) {
      const row = stmt.get(urn, id) as Row | undefined;
      if (row) out.set(id, toRecord(row));
    }
    return out;
  }

  async bytesSince(urn: string, since: number): Promise<number> {
    const row = this.db.prepare('SELECT COALESCE(SUM(size), 0) AS n FROM media WHERE urn = ? AND created_at >= ?').get(urn, since) as { n: number };
    return row.n;
  }

  async usage(): Promise<MediaUsage> {
    const row = this.db.prepare('SELECT COUNT(*) AS items, COALESCE(SUM(size), 0) AS bytes FROM media').get() as MediaUsage;
    return { items: row.items, bytes: row.bytes };
  }

  async prune(cutoff: number): Promise<number> {
    return this.db.prepare('DELETE FROM media WHERE created_at < ?').run(cutoff).changes;
  }

  async delete(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM media WHERE id = ?').run(id).changes > 0;
  }

  async deleteSession(urn: string): Promise<number> {
    return this.db.prepare('DELETE FROM media WHERE urn = ?').run(urn).changes;
  }
}
