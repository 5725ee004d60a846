import type { SessionRecord, OutboxEntry, StoredMessage } from '../store/store.js';

/** What became of one attempt to hand a user message to the platform. */
export type ForwardResult =
  | { outcome: 'accepted' }
  /** Try again later; `retryAfterMs` when the platform said when (429 Retry-After). */
  | { outcome: 'retry'; reason: string; retryAfterMs?: number }
  /** Will never succeed (4xx other than 408/429): give up now. */
  | { outcome: 'rejected'; reason: string };

/** A file a user message carries, as the platform gets it (see media-forward.ts). */
export interface ForwardMedia {
  kind: 'image' | 'video' | 'audio' | 'file';
  contentType: string;
  url: string;
  caption?: string;
}

/** An outbox entry on its way to the platform, with its file if it has one. */
export type ForwardEntry = OutboxEntry & { media?: ForwardMedia };

export type StatusKind = 'delivered' | 'failed';

/**
 * A platform dialect: courier's External channel (courier-ex.ts), its Web Chat channel
 * (courier-wwc.ts), the demo bot. `base` is the session's platform base URL, resolved once by
 * the core's routing (src/core/routing.ts); the demo bot has none and ignores it.
 */
export interface PlatformConnector {
  /** Hands a user message to the platform. Must not throw for platform errors: return a result. */
  forward(entry: ForwardEntry, session: SessionRecord, base: string): Promise<ForwardResult>;
  /** Reports the fate of a platform message (STATUS_CALLBACKS). Best effort. */
  reportStatus(kind: StatusKind, message: StoredMessage, session: SessionRecord, base: string): Promise<ForwardResult>;
}

/** A session's platform calls, its connector and base URL resolved (src/core/routing.ts). */
export interface PlatformRoute {
  forward(entry: OutboxEntry): Promise<ForwardResult>;
  reportStatus(kind: StatusKind, message: StoredMessage): Promise<ForwardResult>;
}
