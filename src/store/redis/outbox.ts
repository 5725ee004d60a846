// The Redis store's outbox role (roles.ts). Sessions with pending entries are indexed by when
// their head entry may next be claimed (P outbox:due), so claims read only the due front of it.
import type { OutboxEntry } from '../store.js';
import type { Outbox } from '../roles.js';
import { RedisMessages } from './messages.js';

export class RedisOutbox extends RedisMessages implements Outbox {
  async claimOutbox(now: number, limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    if (limit <= 0) return [];
    const flat = (await this.redis.wgClaimOutbox(this.k('outbox:due'), this.p, now, limit, leaseMs)) as string[];
    const entries: OutboxEntry[] = [];
    for (let i = 0; i < flat.length; i += 7) {
      entries.push({
        ref: flat[i]!,
        urn: flat[i + 1]!,
        seq: Number(flat[i + 2]),
        messageId: flat[i + 3]!,
        text: flat[i + 4]!,
        createdAt: Number(flat[i + 5]),
        attempts: Number(flat[i + 6]),
      });
    }
    return entries;
  }

  /** The entry's hash and its session's queue: KEYS[1..2] of the scripts below. */
  private entryKeys(entry: OutboxEntry): [string, string] {
    return [this.k(`entry:${entry.ref}`), this.k(`queue:${entry.urn}`)];
  }

  async completeOutbox(entry: OutboxEntry): Promise<void> {
    await this.redis.wgCompleteOutbox(...this.entryKeys(entry), this.k('outbox:due'), this.k('outbox:pending'), this.p, entry.urn, entry.ref);
  }

  async retryOutbox(entry: OutboxEntry, nextAttemptAt: number, error: string): Promise<void> {
    await this.redis.wgRetryOutbox(...this.entryKeys(entry), this.k('outbox:due'), entry.urn, entry.ref, nextAttemptAt, error);
  }

  async failOutbox(entry: OutboxEntry, reason: string): Promise<void> {
    const counts = [this.k('outbox:due'), this.k('outbox:pending'), this.k('outbox:failed')];
    await this.redis.wgFailOutbox(...this.entryKeys(entry), this.k(`failedof:${entry.urn}`), ...counts, this.p, entry.urn, entry.ref, reason);
  }

  async nextOutboxDue(): Promise<number | null> {
    const r = await this.redis.zrange(this.k('outbox:due'), 0, 0, 'WITHSCORES');
    return r.length === 2 ? Number(r[1]) : null;
  }
}
