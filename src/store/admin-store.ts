// The operators' role of a store (admin API and page, store gauges). Separate from `Store`, which
// is what the message path needs; memory, SQLite and Redis implement both and pass the shared
// contract suite (test/store/store-contract.ts, "admin role").
//
// Every method is bounded: a page is at most `limit` rows read through an index, never a scan of
// all sessions or all messages, so an operator's browser cannot load a busy node.
import type { OutboxEntry } from './store.js';

export const ADMIN_PAGE_MAX = 100;
/** undelivered counts stop here (the page shows "100+"). */
export const UNDELIVERED_CAP = 100;

export interface SessionSummary {
  urn: string;
  channelUuid: string;
  hostApi: string | null;
  createdAt: number;
  /** createdAt of the session's newest message, or null when it has none. */
  lastMessageAt: number | null;
  deliveredSeq: number;
  /** Platform messages not yet proven delivered, capped at UNDELIVERED_CAP. */
  undelivered: number;
  outboxPending: number;
  outboxFailed: number;
}

export type OutboxState = 'pending' | 'failed';

/** An outbox entry as operators see it: the entry (its `ref` as `id`) with its state. */
export interface OutboxItem extends Omit<OutboxEntry, 'ref'> {
  /** The entry's id; pass it to requeueOutbox. */
  id: string;
  state: OutboxState;
  lastError: string | null;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface StoreOverview {
  sessions: number;
  outboxPending: number;
  outboxFailed: number;
  /** createdAt of the oldest pending outbox entry, null when none. */
  oldestPendingAt: number | null;
  /** Bytes the store occupies, where cheap to tell; null otherwise. */
  bytes: number | null;
}

/** One page of a listing: where the previous page ended (absent for the first) and how many. */
export interface PageQuery {
  cursor?: string | undefined;
  limit: number;
}

export interface SessionQuery extends PageQuery {
  /** Only sessions whose urn starts with this (the urn is the visitor id for page-chosen ids). */
  prefix?: string | undefined;
}

export interface OutboxStats {
  pending: number;
  failed: number;
}

export type RequeueResult = { outcome: 'requeued'; id: string } | { outcome: 'not_failed' } | { outcome: 'unknown' };

export interface AdminStore {
  storeOverview(): Promise<StoreOverview>;
  /**
   * Sessions, newest first; with `prefix`, the sessions whose urn starts with it, by urn.
   * Throws InvalidCursorError for a cursor it did not issue.
   */
  listSessions(query: SessionQuery): Promise<Page<SessionSummary>>;
  /** The summaries of these urns (unknown ones left out), in the order given. */
  summarizeSessions(urns: readonly string[]): Promise<SessionSummary[]>;
  /** Failed outbox entries, newest first. */
  listFailedOutbox(query: PageQuery): Promise<Page<OutboxItem>>;
  /** The session's pending and failed outbox entries (at most `limit`), oldest first. */
  sessionOutbox(urn: string, limit: number): Promise<OutboxItem[]>;
  /**
   * Puts a failed entry back at the end of its session's queue, with a fresh age (createdAt =
   * `now`, so OUTBOX_MAX_AGE starts again) and no attempts. The entry may get a new id.
   */
  requeueOutbox(id: string, now: number): Promise<RequeueResult>;
  /**
   * The outbox counts alone (storeOverview without its other reads). Only the tests call it, to
   * watch entries move between pending and failed; it lives here, in the operators' role, so the
   * roles of the message path (roles.ts) carry nothing that production code does not use.
   */
  outboxStats(): Promise<OutboxStats>;
}

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/** A requested page size, within 1..ADMIN_PAGE_MAX. */
export function pageLimit(limit: number): number {
  return Math.min(Math.max(1, Math.floor(limit)), ADMIN_PAGE_MAX);
}

/**
 * The first `limit` of `rows` (read as limit + 1, so one more tells whether a page follows) and
 * the cursor of the last of them when one does.
 */
export function firstPage<R>(rows: readonly R[], limit: number, cursorOf: (last: R) => unknown): { rows: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null };
}

/** Opaque cursors: base64url of a small JSON value. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined, check: (v: unknown) => v is T): T | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('cursor is not one this API issued');
  }
  if (!check(v)) throw new InvalidCursorError('cursor is not one this API issued');
  return v;
}

/** A [createdAt, urn] position in the newest-first session order. */
export function isTimeCursor(v: unknown): v is [number, string] {
  return Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string';
}

/** A urn position in the by-urn (prefix search) order. */
export function isUrnCursor(v: unknown): v is { u: string } {
  return typeof v === 'object' && v !== null && typeof (v as { u?: unknown }).u === 'string';
}

/** A [createdAt, id] position in the newest-first failed-outbox order. */
export function isOutboxCursor(v: unknown): v is [number, string] {
  return isTimeCursor(v);
}
