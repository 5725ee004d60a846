// Embedded store on SQLite (better-sqlite3), for one gateway process (or several on one machine
// sharing the file). One class built up role by role: db.ts (connection, WAL checkpoints, group
// commit), schema.ts (tables), messages.ts (settings, sessions, message log), outbox.ts, admin.ts
// (the operators' role), and here maintenance: expiry reports and retention.
import type Database from 'better-sqlite3';
import type { PruneOptions, Store, StoredMessage } from '../store.js';
import { SqliteAdmin } from './admin.js';
import { toMessage, type MessageRow } from './messages.js';

export type { SqliteSynchronous } from './db.js';

function statements(db: Database.Database) {
  return {
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
    // seqs are never reused (see topSeq in messages.ts).
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
    pruneClientIds: db.prepare('DELETE FROM client_ids WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.urn = client_ids.urn AND m.seq = client_ids.seq)'),
    pruneFailed: db.prepare("DELETE FROM outbox WHERE state = 'failed' AND created_at < ?"),
  };
}

export class SqliteStore extends SqliteAdmin implements Store {
  private r!: ReturnType<typeof statements>;

  protected override prepare(): void {
    super.prepare();
    this.r = statements(this.db);
  }

  async takeExpiredUndelivered(cutoff: number, limit: number): Promise<StoredMessage[]> {
    if (limit <= 0) return [];
    return this.immediate(() => {
      this.r.retireDelivered.run(cutoff);
      const rows = this.r.expired.all(cutoff, limit);
      for (const row of rows) this.r.markReported.run(row.urn, row.seq);
      return rows.map(toMessage);
    });
  }

  async prune(o: PruneOptions): Promise<number> {
    return this.immediate(() => {
      const cutoff = o.now - o.maxAge;
      this.r.keepSeqFloor.run({ cutoff, keep: o.maxMessagesPerSession });
      let removed = this.r.pruneAge.run(cutoff).changes;
      removed += this.r.pruneCount.run(o.maxMessagesPerSession).changes;
      if (removed > 0) this.r.pruneClientIds.run();
      this.r.pruneFailed.run(cutoff);
      return removed;
    });
  }
}
