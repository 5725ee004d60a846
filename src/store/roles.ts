// The storage roles. Each part of the gateway needs one or two of them, never the whole store:
// the conversation needs sessions and the message log, the outbox worker the outbox, retention
// and status reports maintenance, readiness only `ping()`. `Store` (store.ts) is all of them;
// memory/, sqlite/ and redis/ each implement it in one class and pass one shared contract suite
// (test/store/store-contract.ts). The operators' role is separate: admin-store.ts.
//
// Model: each session has one sequence of messages, both directions, numbered 1, 2, 3, ...
// (`seq`). User messages ("in") also get an outbox entry, forwarded to the platform in seq order.
// Platform messages ("out") are what widgets must receive; `deliveredSeq` marks how far a widget
// of the session has proven receipt.
import type { InboundMessage, OutboxEntry, PruneOptions, ReadOptions, SessionRecord, StoredMessage } from './store.js';

export interface Lifecycle {
  /** Creates tables / checks connectivity. Called once before use. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** Resolves when the store answers a trivial read (readiness); rejects otherwise. */
  ping(): Promise<void>;
}

export interface SettingsStore {
  /** Returns the stored value, storing `value` first if the key had none (atomic). */
  getOrSetSetting(key: string, value: string): Promise<string>;
}

export interface SessionStore {
  /** Creates the session unless the urn exists; returns the stored record either way. */
  createSession(session: SessionRecord): Promise<{ created: boolean; session: SessionRecord }>;
  getSession(urn: string): Promise<SessionRecord | null>;
  /** Removes the session and all its messages, outbox entries and session values. */
  deleteSession(urn: string): Promise<boolean>;

  /**
   * Values kept with a session and removed with it by deleteSession (never by prune): a WWC
   * session's token binding, contact fields waiting for the visitor's next message. Null when unset.
   */
  getSessionValue(urn: string, name: string): Promise<string | null>;
  /**
   * Stores a session value (`ifAbsent`: only when the name has none) and returns the value held
   * after the call. Session must exist (UnknownSessionError), so nothing outlives its session.
   */
  putSessionValue(urn: string, name: string, value: string, mode?: 'always' | 'ifAbsent'): Promise<string>;
  /** Removes a session value; with `ifValue`, only while it still holds exactly that. */
  clearSessionValue(urn: string, name: string, ifValue?: string): Promise<void>;
}

/** The messages of each session, both directions, and how far widgets have proven receipt. */
export interface MessageLog {
  /**
   * Stores a user message and its outbox entry atomically. Session must exist. `payload` is kept
   * with the message (what the platform dialect forwards beside the text, e.g. WWC context and
   * contact fields), so a retry after a restart carries it too.
   */
  appendInbound(urn: string, msg: InboundMessage): Promise<StoredMessage>;
  /**
   * Stores a platform message. `id` is the platform's id. When the session already has a message
   * with that id and the same text, nothing is stored and the stored one comes back with
   * duplicate=true (a platform retry). With that id but another text it is a further part of the
   * same platform message (courier's External sender posts a long text as several parts with one
   * id): stored as a new message, part n = 1 + the highest part stored for the id, with id
   * `<id>.<n>` (see asPart). Session must exist.
   */
  appendOutbound(
    urn: string,
    msg: { id: string; text: string; payload: Record<string, unknown>; createdAt: number },
  ): Promise<{ message: StoredMessage; duplicate: boolean }>;
  /**
   * Stores a user message keyed by an id its client chose (clientMessageId, see
   * src/sessions/client-message-id.ts): the first call for a (urn, clientId) stores the message
   * and its outbox entry as appendInbound does, with `clientMessageId` in its payload; later calls
   * store nothing and return the stored message with duplicate=true. Atomic across processes. The
   * key goes with its message (prune, deleteSession), like platform ids. Session must exist.
   */
  appendInboundOnce(urn: string, msg: InboundMessage & { clientId: string }): Promise<{ message: StoredMessage; duplicate: boolean }>;
  /** The user message appendInboundOnce stored for (urn, clientId), or null (none, or pruned). */
  findInboundOnce(urn: string, clientId: string): Promise<StoredMessage | null>;
  readMessages(urn: string, options: ReadOptions): Promise<StoredMessage[]>;

  /** Highest "out" seq proven delivered to some widget of the session (0 if none). */
  getDeliveredSeq(urn: string): Promise<number>;
  /** Raises deliveredSeq to `seq` if higher; returns the stored value after the call. */
  advanceDeliveredSeq(urn: string, seq: number): Promise<number>;
}

/** User messages waiting to be forwarded to the platform, in seq order per session. */
export interface Outbox {
  /**
   * Leases up to `limit` due outbox entries, at most one per session and only the oldest pending
   * entry of that session (so per-session order holds), skipping sessions with a live lease.
   * A lease expires after `leaseMs`, so work of a crashed process is picked up again.
   */
  claimOutbox(now: number, limit: number, leaseMs: number): Promise<OutboxEntry[]>;
  completeOutbox(entry: OutboxEntry): Promise<void>;
  /** Releases the lease and schedules the entry again at `nextAttemptAt`. */
  retryOutbox(entry: OutboxEntry, nextAttemptAt: number, error: string): Promise<void>;
  /** Gives up on the entry (kept as failed, no longer blocks the session's queue). */
  failOutbox(entry: OutboxEntry, reason: string): Promise<void>;
  /** Earliest next attempt among pending entries, or null when the outbox is empty. */
  nextOutboxDue(): Promise<number | null>;
}

/** Retention and expiry: what the periodic jobs ask for. */
export interface Maintenance {
  /**
   * Platform ("out") messages created before `cutoff` that no widget has proven to hold
   * (seq > the session's deliveredSeq) and that this method has not returned before. Marks them
   * as returned, so each is reported expired once, whichever process asks. At most `limit`.
   */
  takeExpiredUndelivered(cutoff: number, limit: number): Promise<StoredMessage[]>;
  /** Deletes messages beyond the retention limits; returns how many went. */
  prune(options: PruneOptions): Promise<number>;
}
