// The SQLite store's outbox role (roles.ts). Only a session's head entry (outbox.head = 1, its
// oldest pending one) may be claimed; claims read the due front of the outbox_due index.
import type Database from 'better-sqlite3';
import type { OutboxEntry } from '../store.js';
import type { Outbox } from '../roles.js';
import { SqliteMessages } from './messages.js';

/** An outbox row as the claim reads it (the admin role reads state and last_error too). */
export interface OutboxRow {
  id: number;
  urn: string;
  seq: number;
  message_id: string;
  text: string;
  created_at: number;
  attempts: number;
}

/** The entry a row holds, with its id as `ref`. */
export function toEntry(r: OutboxRow): OutboxEntry {
  return { ref: String(r.id), urn: r.urn, seq: r.seq, messageId: r.message_id, text: r.text, createdAt: r.created_at, attempts: r.attempts };
}

/** The outbox role's statements (exported for the test that reads their plans, see queryPlans). */
export function outboxStatements(db: Database.Database) {
  return {
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
  };
}

export class SqliteOutbox extends SqliteMessages implements Outbox {
  private o!: ReturnType<typeof outboxStatements>;

  protected override prepare(): void {
    super.prepare();
    this.o = outboxStatements(this.db);
  }

  async claimOutbox(now: number, limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    return this.immediate(() => {
      const rows = this.o.claimable.all(now, limit);
      for (const r of rows) this.o.lease.run(now + leaseMs, r.id);
      return rows.map(toEntry);
    });
  }

  // Outcomes of platform calls commit with the other hot writes of the turn (group commit)
  // rather than one transaction each.
  async completeOutbox(entry: OutboxEntry): Promise<void> {
    await this.grouped(() => {
      const gone = this.o.complete.get(Number(entry.ref));
      if (gone) this.o.promoteHead.run(gone.urn);
    });
  }

  async retryOutbox(entry: OutboxEntry, nextAttemptAt: number, error: string): Promise<void> {
    await this.grouped(() => this.o.retry.run(nextAttemptAt, error, Number(entry.ref)));
  }

  async failOutbox(entry: OutboxEntry, reason: string): Promise<void> {
    await this.grouped(() => {
      const failed = this.o.fail.get(reason, Number(entry.ref));
      if (failed) this.o.promoteHead.run(failed.urn);
    });
  }

  async nextOutboxDue(): Promise<number | null> {
    return this.o.nextDue.get()?.due ?? null;
  }
}
