// The memory store's outbox role (roles.ts): pending entries live on their session (heads are
// claimable), failed ones in one list kept for the admin role and pruned with messages.
import type { OutboxEntry } from '../store.js';
import type { Outbox } from '../roles.js';
import { MemoryMessages, type OutboxRow, type SessionState } from './messages.js';

export class MemoryOutbox extends MemoryMessages implements Outbox {
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

  /** Takes the entry off its session's queue (completed or failed). */
  private dequeue(found: { s: SessionState; row: OutboxRow }): void {
    found.s.outbox.splice(found.s.outbox.indexOf(found.row), 1);
    if (found.s.outbox.length === 0) this.queued.delete(found.s);
  }

  async completeOutbox(entry: OutboxEntry): Promise<void> {
    const found = this.row(entry);
    if (found) this.dequeue(found);
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
    this.dequeue(found);
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
}
