// The conversation as the visitor sees it, merged from every source (live delivery, history
// pages, the local outbox, other tabs) by identity: a platform message by its id, a visitor
// message by its client message id (or the gateway's id when it has none). Whatever arrives
// twice shows once; messages are ordered by the gateway's seq, and what the gateway has not
// confirmed yet comes last, in the order it was typed.

import { attachmentsOf, type Attachment } from './files.js';

export type MessageStatus = 'sending' | 'sent' | 'failed';

export interface ChatMessage {
  /** Stable identity within the conversation (see above). */
  key: string;
  direction: 'in' | 'out';
  text: string;
  /** ms since epoch: when the gateway stored it, or when the visitor typed it. */
  time: number;
  seq?: number;
  /** The gateway's (visitor) or platform's (bot) message id. */
  id?: string;
  clientMessageId?: string;
  quickReplies?: string[];
  /** Files the message carries (images, audio, video, documents), by URL. */
  attachments?: Attachment[];
  /** Visitor messages only. */
  status?: MessageStatus;
  error?: string;
}

/** A message as the gateway sends it (delivery payload or history item). */
export interface WireMessage {
  id?: unknown;
  seq?: unknown;
  text?: unknown;
  direction?: unknown;
  createdAt?: unknown;
  quick_replies?: unknown;
  clientMessageId?: unknown;
  [field: string]: unknown;
}

export class Conversation {
  private readonly byKey = new Map<string, ChatMessage>();
  /** Order of first arrival: unconfirmed messages typed within one millisecond keep their order. */
  private readonly arrival = new Map<string, number>();
  private arrivals = 0;
  /** Highest seq held: what a resume asks to continue after. */
  lastSeq = 0;

  constructor(
    initial: ChatMessage[] = [],
    /** Messages kept (oldest dropped first); visitor messages not yet sent are always kept. */
    private readonly limit = 200,
  ) {
    for (const m of initial) if (isChatMessage(m)) this.put({ ...m });
  }

  /** Ordered: by seq, then unconfirmed ones by time. */
  list(): ChatMessage[] {
    const n = (m: ChatMessage) => this.arrival.get(m.key) ?? 0;
    return [...this.byKey.values()].sort((a, b) => compare(a, b) || n(a) - n(b));
  }

  get size(): number {
    return this.byKey.size;
  }

  /**
   * Merges a message from the gateway. `direction` defaults to 'out' (live deliveries are the
   * platform's). Returns the merged message and whether it was new to the conversation.
   */
  mergeWire(w: WireMessage, now = Date.now()): { message: ChatMessage; added: boolean } | null {
    const seq = typeof w.seq === 'number' && Number.isSafeInteger(w.seq) && w.seq > 0 ? w.seq : undefined;
    const id = typeof w.id === 'string' || typeof w.id === 'number' ? String(w.id) : undefined;
    const direction = w.direction === 'in' ? 'in' : 'out';
    const clientMessageId = typeof w.clientMessageId === 'string' ? w.clientMessageId : undefined;
    const key = direction === 'in' ? (clientMessageId !== undefined ? `c:${clientMessageId}` : `i:${id ?? seq}`) : `o:${id ?? seq}`;
    if (id === undefined && seq === undefined) return null;
    const time = typeof w.createdAt === 'string' ? Date.parse(w.createdAt) : typeof w.createdAt === 'number' ? w.createdAt : NaN;
    const existing = this.byKey.get(key);
    const message: ChatMessage = {
      ...existing,
      key,
      direction,
      text: typeof w.text === 'string' ? w.text : (existing?.text ?? ''),
      time: existing?.time ?? (Number.isFinite(time) ? time : now),
    };
    if (Number.isFinite(time)) message.time = time;
    if (seq !== undefined) message.seq = seq;
    if (id !== undefined) message.id = id;
    if (clientMessageId !== undefined) message.clientMessageId = clientMessageId;
    const attachments = attachmentsOf(w.attachments);
    if (attachments) message.attachments = attachments;
    if (direction === 'out' && Array.isArray(w.quick_replies)) message.quickReplies = w.quick_replies.filter((q): q is string => typeof q === 'string');
    if (direction === 'in') {
      message.status = 'sent';
      delete message.error;
    }
    this.put(message);
    return { message, added: existing === undefined };
  }

  /** A visitor message typed now (or restored from the outbox): shown as sending. */
  addLocal(entry: { clientMessageId: string; text: string; createdAt: number; state?: 'pending' | 'failed'; error?: string }): ChatMessage {
    const key = `c:${entry.clientMessageId}`;
    const existing = this.byKey.get(key);
    if (existing?.status === 'sent') return existing; // confirmed meanwhile (another tab, history)
    const message: ChatMessage = {
      key,
      direction: 'in',
      text: entry.text,
      time: entry.createdAt,
      clientMessageId: entry.clientMessageId,
      status: entry.state === 'failed' ? 'failed' : 'sending',
    };
    if (entry.error !== undefined) message.error = entry.error;
    this.put(message);
    return message;
  }

  /** The gateway answered {id, seq} for a visitor message. */
  confirm(clientMessageId: string, ack: { id: string; seq: number }): ChatMessage | undefined {
    const m = this.byKey.get(`c:${clientMessageId}`);
    if (!m) return undefined;
    m.id = ack.id;
    m.seq = ack.seq;
    m.status = 'sent';
    delete m.error;
    this.put(m);
    return m;
  }

  setStatus(clientMessageId: string, status: MessageStatus, error?: string): void {
    const m = this.byKey.get(`c:${clientMessageId}`);
    if (!m || m.status === 'sent') return;
    m.status = status;
    if (error === undefined) delete m.error;
    else m.error = error;
  }

  remove(key: string): void {
    this.byKey.delete(key);
    this.arrival.delete(key);
  }

  /** Forgets everything (the session was replaced by a new one). */
  clear(): void {
    this.byKey.clear();
    this.arrival.clear();
    this.lastSeq = 0;
  }

  /** What to persist: the newest `limit` messages (unconfirmed ones always). */
  snapshot(): ChatMessage[] {
    const all = this.list();
    const keepFrom = Math.max(0, all.length - this.limit);
    return all.filter((m, i) => i >= keepFrom || m.seq === undefined);
  }

  private put(m: ChatMessage): void {
    this.byKey.set(m.key, m);
    if (!this.arrival.has(m.key)) this.arrival.set(m.key, ++this.arrivals);
    if (m.seq !== undefined && m.seq > this.lastSeq) this.lastSeq = m.seq;
    if (this.byKey.size > this.limit * 2) {
      // Trim in memory too, oldest confirmed first.
      for (const old of this.list()) {
        if (this.byKey.size <= this.limit) break;
        if (old.seq !== undefined) this.remove(old.key);
      }
    }
  }
}

function compare(a: ChatMessage, b: ChatMessage): number {
  if (a.seq !== undefined && b.seq !== undefined) return a.seq - b.seq;
  if (a.seq !== undefined) return -1;
  if (b.seq !== undefined) return 1;
  return a.time - b.time;
}

function isChatMessage(m: unknown): m is ChatMessage {
  const o = m as ChatMessage;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.key === 'string' &&
    typeof o.text === 'string' &&
    (o.direction === 'in' || o.direction === 'out') &&
    typeof o.time === 'number'
  );
}
