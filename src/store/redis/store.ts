// Store on Redis (ioredis 5), for several gateway processes sharing one store. Standalone Redis
// or Sentinel (connections: connection.ts), not Redis Cluster: the scripts touch keys they
// derive themselves (docs/scaling.md says which would need hash tags).
//
// One class built up role by role: base.ts (connection, keys, scripts), messages.ts (settings,
// sessions, message log), outbox.ts, admin.ts (the operators' role), and here maintenance.
// Every operation that changes more than one key, or reads then writes, is one Lua script
// (lua/*.lua), so it is atomic against every other process. Nothing has a TTL: sessions live
// until deleteSession, messages until prune, outbox entries until completed (or failed and then
// pruned).
//
// Keys (P = prefix, default "wg:"; <urn> is the session urn, <id> an outbox entry id):
//   P setting:<key>     string  settings value; written once (SET NX), never expires
//   P sessions          set     urns of all sessions (prune iterates it); until deleteSession
//   P sessions:bytime   zset    the same urns by createdAt; P sessions:lex the same, score 0 (admin
//                               pages and prefix search, admin.ts)
//   P session:<urn>     hash    channelUuid, hostApi (absent = null), createdAt,
//                               lastSeq (per-session seq counter, both directions), deliveredSeq
//   P msgs:<urn>        zset    messages: score = seq, member = message JSON (includes seq, so
//                               members are unique); until prune / deleteSession
//   P msgtime:<urn>     zset    member = seq, score = createdAt; for prune by age
//   P outids:<urn>      hash    platform message id -> seqs of its stored parts, "5 9" (dedupe); an entry
//                               goes when prune removes its message
//   P cids:<urn>        hash    clientMessageId -> seq of the "in" message it stored (dedupe of
//                               appendInboundOnce); an entry goes when prune removes its message
//   P queue:<urn>       list    ids of the session's pending outbox entries, oldest first; the
//                               head is the only one that may be claimed
//   P failedof:<urn>    set     ids of the session's failed outbox entries (for deleteSession)
//   P entry:<id>        hash    outbox entry: urn, seq, messageId, text, createdAt, attempts,
//                               nextAt, leaseUntil, state (pending|failed), lastError;
//                               until completed, or (failed) until prune by age / deleteSession
//   P outbox:id         string  counter for outbox entry ids
//   P outbox:pending    string  number of pending outbox entries (for the admin role)
//   P outbox:due        zset    member = urn of each session with pending entries, score =
//                               when its head entry may next be claimed = max(nextAt, leaseUntil);
//                               claimOutbox reads only the due front of it, never all sessions
//   P outbox:failed     zset    member = id of each failed entry, score = its createdAt
//   P expiry            zset    "out" messages not yet delivered nor reported expired: member =
//                               "<urn>\n<seq>", score = createdAt. Added by appendOutbound; a
//                               member goes when advanceDeliveredSeq passes its seq, when
//                               takeExpiredUndelivered returns (or finds it delivered / gone),
//                               and with its message in prune / deleteSession
import type { PruneOptions, Store, StoredMessage } from '../store.js';
import { RedisAdmin } from './admin.js';
import { parseMessage } from './messages.js';

export type { RedisStoreOptions } from './base.js';

// Many sessions are pruned per round trip; one script call per session keeps each call short.
const PRUNE_BATCH = 200;

export class RedisStore extends RedisAdmin implements Store {
  async takeExpiredUndelivered(cutoff: number, limit: number): Promise<StoredMessage[]> {
    if (limit <= 0) return [];
    const flat = (await this.redis.wgTakeExpired(this.k('expiry'), this.p, cutoff, limit)) as string[];
    const out: StoredMessage[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push(parseMessage(flat[i]!, flat[i + 1]!));
    return out;
  }

  async prune(o: PruneOptions): Promise<number> {
    const cutoff = o.now - o.maxAge;
    let removed = 0;
    // SSCAN may return a urn twice; pruning a session twice is harmless (the second finds nothing).
    let cursor = '0';
    do {
      const [next, urns] = await this.redis.sscan(this.k('sessions'), cursor, 'COUNT', PRUNE_BATCH);
      cursor = next;
      if (urns.length === 0) continue;
      const pipe = this.pipeline();
      for (const urn of urns) {
        const k = this.sessionKeys(urn);
        pipe.wgPruneSession(k.msgs, k.msgtime, k.outids, this.k('expiry'), k.cids, cutoff, o.maxMessagesPerSession, urn);
      }
      for (const [err, n] of (await pipe.exec())!) {
        if (err) throw err;
        removed += Number(n);
      }
    } while (cursor !== '0');
    // Failed outbox entries are kept for inspection as long as messages are.
    await this.redis.wgPruneFailed(this.k('outbox:failed'), this.p, cutoff);
    return removed;
  }
}
