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
 * A platform dialect. Courier's External channel is the one we ship; another dialect (for
 * example courier's WWC handler) implements the same two calls.
 */
export interface PlatformConnector {
  /** Hands a user message to the platform. Must not throw for platform errors: return a result. */
  forward(entry: ForwardEntry, session: SessionRecord): Promise<ForwardResult>;
  /** Reports the fate of a platform message (STATUS_CALLBACKS). Best effort. */
  reportStatus(kind: StatusKind, message: StoredMessage, session: SessionRecord): Promise<ForwardResult>;
}
