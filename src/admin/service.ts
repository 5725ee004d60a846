// What the admin API answers (src/http/admin-api.ts): an overview of this node, the sessions
// (from the store, with this node's live connections), a conversation with the delivery state of
// each message, the failed outbox and its retry. Every read is a bounded store query.
import { hostname } from 'node:os';
import type { AdminStore, OutboxItem, SessionSummary, StoreOverview } from '../store/admin-store.js';
import type { MessageLog, StoredMessage } from '../store/store.js';
import { VERSION } from '../version.js';
import type { Metrics } from '../metrics.js';
import type { RateWindow } from './rate-window.js';

export const MESSAGE_PAGE = 50;
/** A session's outbox entries read for one conversation page (its pending and failed ones). */
const SESSION_OUTBOX_READ = 500;

export type DeliveryState =
  /** user message accepted by the platform */
  | 'sent'
  /** user message waiting in the outbox (attempts, lastError tell why) */
  | 'queued'
  /** user message given up; retry it with its outboxId */
  | 'failed'
  /** platform message proven received by a widget */
  | 'delivered'
  /** platform message stored, not yet proven received */
  | 'waiting';

export interface ConversationMessage {
  seq: number;
  direction: 'in' | 'out';
  id: string;
  text: string;
  createdAt: number;
  quickReplies: string[];
  /** Files: a visitor's upload (from the media store), or what the platform sent (its payload). */
  attachments: Attachment[];
  state: DeliveryState;
  attempts?: number;
  lastError?: string | null;
  outboxId?: string;
}

export interface Attachment {
  type: string;
  url: string;
}

export interface AdminServiceDeps {
  store: AdminStore & Pick<MessageLog, 'readMessages'>;
  storeKind: string;
  startedAt: number;
  rates: { in: RateWindow; out: RateWindow };
  connections(): Promise<Record<string, number>>;
  liveConnections(urn: string): number;
  ready(): Promise<{ ok: boolean; checks: Record<string, string> }>;
  /** The outbox has new work (a retried entry). */
  wakeOutbox(): void;
  /** The uploads these visitor messages carry, by message id. */
  uploads(urn: string, messages: readonly StoredMessage[]): Promise<Map<string, Attachment>>;
}

export type SessionRow = SessionSummary & { liveConnections: number; outboxState: 'ok' | 'pending' | 'failed' };

export class AdminService {
  private cached: { at: number; value: Promise<StoreOverview> } | undefined;

  constructor(private readonly deps: AdminServiceDeps) {}

  /** The store's counts, shared by /metrics and the overview for a second (both poll). */
  storeOverview(): Promise<StoreOverview> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > 1000) {
      const value = this.deps.store.storeOverview();
      this.cached = { at: now, value };
      value.catch(() => (this.cached = undefined));
    }
    return this.cached.value;
  }

  /** The store gauges of /metrics (and wg_ready), read through the same cached overview. */
  addGauges(metrics: Metrics, ready: () => Promise<boolean>): void {
    metrics.addStoreGauges(async () => {
      const o = await this.storeOverview();
      return {
        sessions: o.sessions,
        outboxPending: o.outboxPending,
        outboxFailed: o.outboxFailed,
        outboxOldestAge: o.oldestPendingAt === null ? 0 : Math.max(0, Date.now() - o.oldestPendingAt) / 1000,
        storeBytes: o.bytes,
      };
    }, ready);
  }

  async overview(): Promise<Record<string, unknown>> {
    const [store, ready, connections] = await Promise.all([this.storeOverview().catch((err: Error) => err), this.deps.ready(), this.deps.connections()]);
    const now = Date.now();
    const counts = store instanceof Error ? null : store;
    return {
      version: VERSION,
      node: `${hostname()}:${process.pid}`,
      startedAt: this.deps.startedAt,
      uptimeSeconds: Math.round((now - this.deps.startedAt) / 1000),
      ready: ready.ok,
      connections,
      messagesPerMinute: { in: this.deps.rates.in.perMinute(), out: this.deps.rates.out.perMinute() },
      sessions: counts?.sessions ?? null,
      outbox: counts
        ? {
            pending: counts.outboxPending,
            failed: counts.outboxFailed,
            oldestPendingAgeSeconds: counts.oldestPendingAt === null ? null : Math.max(0, Math.round((now - counts.oldestPendingAt) / 1000)),
          }
        : null,
      store: { kind: this.deps.storeKind, state: ready.checks['store'] ?? 'unknown', bytes: counts?.bytes ?? null },
      fanout: { state: ready.checks['fanout'] ?? 'unknown' },
    };
  }

  private row(s: SessionSummary): SessionRow {
    return {
      ...s,
      liveConnections: this.deps.liveConnections(s.urn),
      outboxState: s.outboxFailed > 0 ? 'failed' : s.outboxPending > 0 ? 'pending' : 'ok',
    };
  }

  async sessions(q: string | undefined, cursor: string | undefined, limit: number): Promise<{ sessions: SessionRow[]; nextCursor: string | null }> {
    const page = await this.deps.store.listSessions({ ...(q ? { prefix: q } : {}), ...(cursor ? { cursor } : {}), limit });
    return { sessions: page.items.map((s) => this.row(s)), nextCursor: page.nextCursor };
  }

  /** A page of the conversation, newest last; `before` pages back. Null for an unknown session. */
  async conversation(
    urn: string,
    before: number | undefined,
  ): Promise<{ session: SessionRow; messages: ConversationMessage[]; nextBefore: number | null } | null> {
    const [summary] = await this.deps.store.summarizeSessions([urn]);
    if (!summary) return null;
    const [page, outbox] = await Promise.all([
      this.deps.store.readMessages(urn, { ...(before !== undefined ? { beforeSeq: before } : {}), newestFirst: true, limit: MESSAGE_PAGE + 1 }),
      this.deps.store.sessionOutbox(urn, SESSION_OUTBOX_READ),
    ]);
    const bySeq = new Map<number, OutboxItem>(outbox.map((e) => [e.seq, e]));
    const shown = page.slice(0, MESSAGE_PAGE).reverse();
    const uploads = await this.deps.uploads(urn, shown);
    return {
      session: this.row(summary),
      messages: shown.map((m) => this.message(m, summary.deliveredSeq, bySeq.get(m.seq), uploads.get(m.id))),
      nextBefore: page.length > MESSAGE_PAGE ? shown[0]!.seq : null,
    };
  }

  private message(m: StoredMessage, deliveredSeq: number, entry: OutboxItem | undefined, upload: Attachment | undefined): ConversationMessage {
    const quick = m.payload['quick_replies'];
    const base = {
      seq: m.seq,
      direction: m.direction,
      id: m.id,
      text: m.text,
      createdAt: m.createdAt,
      quickReplies: Array.isArray(quick) ? quick.map(String) : [],
      attachments: upload ? [upload] : platformAttachments(m.payload['attachments']),
    };
    if (m.direction === 'out') return { ...base, state: m.seq <= deliveredSeq ? 'delivered' : 'waiting' };
    if (!entry) return { ...base, state: 'sent' };
    return { ...base, state: entry.state === 'failed' ? 'failed' : 'queued', attempts: entry.attempts, lastError: entry.lastError, outboxId: entry.id };
  }

  failedOutbox(cursor: string | undefined, limit: number) {
    return this.deps.store.listFailedOutbox({ ...(cursor ? { cursor } : {}), limit });
  }

  async retry(id: string) {
    const r = await this.deps.store.requeueOutbox(id, Date.now());
    if (r.outcome === 'requeued') {
      this.cached = undefined;
      this.deps.wakeOutbox();
    }
    return r;
  }
}

/** The platform's `attachments` of a message, kept only where they are {type, url} strings. */
function platformAttachments(raw: unknown): Attachment[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((a: unknown) => {
    if (typeof a !== 'object' || a === null) return [];
    const { type, url } = a as Record<string, unknown>;
    return typeof type === 'string' && typeof url === 'string' ? [{ type, url }] : [];
  });
}
