// In-process store: for tests, benchmarks and `STORE_URL=memory:`. Everything is lost on exit.
// One class built up role by role: messages.ts (state, settings, sessions, message log),
// outbox.ts, admin.ts (the operators' role), and here the lifecycle and maintenance.
import type { PruneOptions, Store, StoredMessage } from '../store.js';
import { MemoryAdmin } from './admin.js';
import { copyMessage } from './messages.js';

export class MemoryStore extends MemoryAdmin implements Store {
  /** "out" messages takeExpiredUndelivered has returned (kept off the message objects). */
  private readonly expiredReported = new WeakSet<StoredMessage>();

  async init(): Promise<void> {}
  async close(): Promise<void> {}
  async ping(): Promise<void> {}

  async takeExpiredUndelivered(cutoff: number, limit: number): Promise<StoredMessage[]> {
    if (limit <= 0) return [];
    const found: StoredMessage[] = [];
    for (const s of this.sessions.values()) {
      for (const m of s.messages) {
        if (m.direction === 'out' && m.createdAt < cutoff && m.seq > s.deliveredSeq && !this.expiredReported.has(m)) found.push(m);
      }
    }
    found.sort((a, b) => a.createdAt - b.createdAt);
    return found.slice(0, limit).map((m) => {
      this.expiredReported.add(m);
      return copyMessage(m);
    });
  }

  async prune(o: PruneOptions): Promise<number> {
    let removed = 0;
    const cutoff = o.now - o.maxAge;
    for (const s of this.sessions.values()) {
      const keepFrom = Math.max(0, s.messages.length - o.maxMessagesPerSession);
      const kept = s.messages.filter((m, i) => i >= keepFrom && m.createdAt >= cutoff);
      removed += s.messages.length - kept.length;
      if (kept.length !== s.messages.length) {
        s.messages = kept;
        // Dedupe memory follows retention: a platform id older than retention may be reused.
        const keptSet = new Set(kept);
        for (const [id, parts] of s.outIds) {
          const left = parts.filter((m) => keptSet.has(m));
          if (left.length === 0) s.outIds.delete(id);
          else if (left.length !== parts.length) s.outIds.set(id, left);
        }
        for (const [id, m] of s.clientIds) if (!keptSet.has(m)) s.clientIds.delete(id);
      }
    }
    // Failed outbox entries are kept for inspection as long as messages are.
    for (let i = this.failed.length - 1; i >= 0; i--) if (this.failed[i]!.createdAt < cutoff) this.failed.splice(i, 1);
    return removed;
  }
}
