// WebchatClient: one visitor's conversation with a webchat-gateway, kept whole across lost
// connections, reloads, tabs and gateway restarts.
//
//   connect -> handshake with the stored token -> (register when there is no valid session)
//   -> subscribe to the session from the last seq held -> history since that seq -> send the
//   outbox, one message at a time, each with its client message id, until the gateway confirms.
// Lost connection: reconnect after a capped exponential delay with jitter, and do it all again.
import { Backoff, type BackoffOptions } from './backoff.js';
import { Conversation, type ChatMessage, type WireMessage } from './conversation.js';
import { newClientMessageId, Outbox } from './outbox.js';
import { CallError, ScSocket, type WebSocketFactory } from './sc-socket.js';
import { defaultStorage, readJson, writeJson, type KeyValueStorage } from './storage.js';

export type ConnectionStatus = 'connecting' | 'online' | 'offline';

export interface ClientOptions {
  /** The gateway's base URL, e.g. https://chat.example.org (http(s) or ws(s)). */
  url: string;
  /** The platform channel (UUID); the gateway's default when omitted. */
  channelUuid?: string;
  /** The platform base URL, when the gateway serves several. */
  hostApi?: string;
  /** Where the session, outbox and conversation are kept (default: localStorage, else memory). */
  storage?: KeyValueStorage;
  /** WebSocket constructor (default: the global one; on Node 20 pass the `ws` package's). */
  WebSocket?: WebSocketFactory;
  backoff?: BackoffOptions;
  /** How long a call waits for its answer (default 10 s). */
  ackTimeout?: number;
  /** Messages kept locally (default 200). */
  keep?: number;
}

export interface ClientEvents {
  /** The conversation changed (new message, status, confirmation). */
  change: (messages: ChatMessage[]) => void;
  /** A platform message that was not in the conversation before. */
  message: (message: ChatMessage) => void;
  status: (status: ConnectionStatus) => void;
  /** The platform is typing (true) or stopped (false). */
  typing: (typing: boolean) => void;
}

/** Refusals that sending again cannot fix: the message is marked failed (the visitor may retry). */
const PERMANENT = new Set(['WG_ERR_TEXT_TOO_LONG', 'WG_ERR_INVALID_PAYLOAD', 'WG_ERR_INVALID_CLIENT_MESSAGE_ID', 'WG_ERR_CLIENT_MESSAGE_ID_REUSED']);
/** Refusals that mean the session is gone: register a new one. */
const SESSION_LOST = new Set(['WG_ERR_NOT_REGISTERED', 'WG_ERR_NOT_SESSION_OWNER', 'WG_ERR_UNKNOWN_SESSION', 'WG_ERR_SESSION_TAKEN']);
const HISTORY_PAGE = 100;
const TYPING_TIMEOUT = 30_000;

interface Session {
  urn?: string;
  token?: string | null;
}

type Listener<K extends keyof ClientEvents> = ClientEvents[K];

export class WebchatClient {
  readonly outbox: Outbox;
  private readonly conv: Conversation;
  private readonly storage: KeyValueStorage;
  private readonly keys: { session: string; outbox: string; conversation: string };
  private readonly backoff: Backoff;
  private readonly listeners: { [K in keyof ClientEvents]: Set<Listener<K>> } = { change: new Set(), message: new Set(), status: new Set(), typing: new Set() };
  private session: Session;
  private socket: ScSocket | undefined;
  private running = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private flushing = false;
  private flushAgain = false;
  private _status: ConnectionStatus = 'offline';
  private readonly onStorage = (ev: { key: string | null }) => this.storageChanged(ev.key);

  constructor(private readonly options: ClientOptions) {
    this.storage = options.storage ?? defaultStorage();
    const scope = `wg:${hostOf(options.url)}:${options.channelUuid ?? 'default'}:`;
    this.keys = { session: scope + 'session', outbox: scope + 'outbox', conversation: scope + 'conversation' };
    this.outbox = new Outbox(this.storage, this.keys.outbox);
    this.backoff = new Backoff(options.backoff);
    this.session = readJson<Session>(this.storage, this.keys.session, {});
    this.conv = new Conversation(readJson<ChatMessage[]>(this.storage, this.keys.conversation, []), options.keep ?? 200);
    for (const e of this.outbox.entries()) this.conv.addLocal(e);
  }

  get status(): ConnectionStatus {
    return this._status;
  }

  get urn(): string | undefined {
    return this.session.urn;
  }

  /** The conversation, ordered, with visitor messages not yet confirmed at the end. */
  messages(): ChatMessage[] {
    return this.conv.list();
  }

  on<K extends keyof ClientEvents>(event: K, fn: ClientEvents[K]): () => void {
    this.listeners[event].add(fn);
    return () => this.listeners[event].delete(fn);
  }

  /** Connects and keeps connecting until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    (globalThis as { addEventListener?: (t: string, f: (e: any) => void) => void }).addEventListener?.('storage', this.onStorage);
    void this.connect();
  }

  stop(): void {
    this.running = false;
    (globalThis as { removeEventListener?: (t: string, f: (e: any) => void) => void }).removeEventListener?.('storage', this.onStorage);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.flushTimer);
    clearTimeout(this.typingTimer);
    this.socket?.close(1000);
    this.socket = undefined;
    this.setStatus('offline');
  }

  /**
   * Sends a visitor message: it is in the outbox (and shown as sending) before this returns, and
   * is sent, now or after a reconnect or a reload, until the gateway confirms it.
   */
  send(text: string): ChatMessage {
    if (typeof text !== 'string' || text.trim() === '') throw new TypeError('send() needs a non-empty text');
    const entry = this.outbox.add({ clientMessageId: newClientMessageId(), text, createdAt: Date.now() });
    const m = this.conv.addLocal(entry);
    this.changed();
    void this.flush();
    return m;
  }

  /** Tries a failed message again. */
  retry(clientMessageId: string): void {
    if (!this.outbox.retry(clientMessageId)) return;
    this.conv.setStatus(clientMessageId, 'sending');
    this.changed();
    void this.flush();
  }

  /** Loads the page of history before the oldest message held; resolves with how many were new. */
  async loadOlder(limit = 50): Promise<number> {
    const oldest = this.conv.list().find((m) => m.seq !== undefined)?.seq;
    if (!this.socket?.isOpen || oldest === undefined || oldest <= 1) return 0;
    return this.mergeHistory(await this.history({ before: oldest, limit }));
  }

  // --- connection ---------------------------------------------------------------------------

  private async connect(): Promise<void> {
    if (!this.running) return;
    this.setStatus('connecting');
    const socket = new ScSocket(socketUrl(this.options), this.options.WebSocket ?? (globalThis as unknown as { WebSocket: WebSocketFactory }).WebSocket, {
      onEvent: (event, data) => this.onEvent(socket, event, data),
      onToken: (token) => this.saveSession({ ...this.session, token }),
      onClose: (code) => this.onClose(socket, code),
    }, this.options.ackTimeout);
    this.socket = socket;
    try {
      const { isAuthenticated } = await socket.handshake(this.session.token ?? null);
      let urn = this.session.urn;
      if (urn === undefined || !isAuthenticated) urn = await this.register(socket);
      try {
        await socket.subscribe(urn, this.conv.lastSeq > 0 ? this.conv.lastSeq : undefined);
      } catch (err) {
        if (!(err instanceof CallError) || !SESSION_LOST.has(err.code)) throw err;
        urn = await this.register(socket);
        await socket.subscribe(urn);
      }
      if (socket !== this.socket) return;
      this.backoff.reset();
      this.setStatus('online');
      await this.catchUp();
      void this.flush();
    } catch {
      socket.close(4000); // onClose schedules the next attempt
    }
  }

  /** registerUser {}: a new session. What the old one held is no longer this visitor's. */
  private async register(socket: ScSocket): Promise<string> {
    let reply: string;
    try {
      reply = JSON.stringify(await socket.call('registerUser', {}));
    } catch (err) {
      // The gateway answers registerUser with a JSON string in both slots (field widgets read the first).
      if (!(err instanceof CallError) || err.code !== 'WG_CLIENT_STRING_REPLY') throw err;
      reply = err.message;
    }
    let parsed = JSON.parse(reply) as unknown;
    if (typeof parsed === 'string') parsed = JSON.parse(parsed);
    const { urn, error, message } = parsed as { urn?: string; error?: string; message?: string };
    if (typeof urn !== 'string') throw new CallError(error ?? 'WG_CLIENT_ERROR', message ?? 'registration failed');
    if (urn !== this.session.urn) {
      this.conv.clear();
      for (const e of this.outbox.entries()) this.conv.addLocal(e);
      this.changed();
    }
    this.saveSession({ ...this.session, urn });
    return urn;
  }

  private onClose(socket: ScSocket, code: number): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.setTyping(false);
    if (!this.running) return;
    this.setStatus('offline');
    // >= 4500: the gateway will not take this session back (ended, never registered).
    if (code >= 4500) this.saveSession({});
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), this.backoff.next());
  }

  private onEvent(socket: ScSocket, event: string, data: unknown): void {
    if (socket !== this.socket) return;
    if (event === '#publish') {
      const p = data as { channel?: unknown; data?: WireMessage } | null;
      if (p && p.channel === this.session.urn && p.data && typeof p.data === 'object') this.receive(p.data);
    } else if (event === 'typing') {
      const t = data as { to?: unknown; typing?: unknown } | null;
      if (t && t.to === this.session.urn) this.setTyping(t.typing !== false);
    }
  }

  /** A live delivery from the platform. A gap in seq means messages from another tab: fetch them. */
  private receive(w: WireMessage): void {
    const before = this.conv.lastSeq;
    const merged = this.conv.mergeWire({ ...w, direction: 'out' });
    if (!merged) return;
    this.setTyping(false);
    if (merged.added) for (const fn of this.listeners.message) fn(merged.message);
    this.changed();
    if (typeof w.seq === 'number' && w.seq > before + 1 && before > 0) void this.fetchSince(before).catch(() => {});
  }

  /** After (re)connecting: everything stored after the last seq held, or the latest page. */
  private async catchUp(): Promise<void> {
    if (this.conv.lastSeq === 0) this.mergeHistory(await this.history({ limit: HISTORY_PAGE }));
    else await this.fetchSince(this.conv.lastSeq);
  }

  private async fetchSince(since: number): Promise<void> {
    for (let from = since; ; ) {
      const page = await this.history({ since: from, limit: HISTORY_PAGE });
      this.mergeHistory(page);
      if (page.length < HISTORY_PAGE) return;
      from = Math.max(from, ...page.map((m) => (typeof m.seq === 'number' ? m.seq : 0)));
    }
  }

  private async history(params: { since?: number; before?: number; limit: number }): Promise<WireMessage[]> {
    const socket = this.socket;
    if (!socket) return [];
    const r = (await socket.call('getHistory', params)) as { messages?: WireMessage[] } | undefined;
    return Array.isArray(r?.messages) ? r.messages : [];
  }

  /** Merges history items; a visitor message found stored leaves the outbox. */
  private mergeHistory(items: WireMessage[]): number {
    let added = 0;
    for (const w of items) {
      const merged = this.conv.mergeWire(w);
      if (!merged) continue;
      if (merged.added) added++;
      if (merged.message.clientMessageId !== undefined) this.outbox.confirm(merged.message.clientMessageId);
    }
    if (items.length > 0) this.changed();
    return added;
  }

  // --- outbox -------------------------------------------------------------------------------

  /** Sends pending entries one at a time, in order, until the outbox is empty or a send fails. */
  private async flush(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = true;
    clearTimeout(this.flushTimer);
    try {
      do {
        this.flushAgain = false;
        for (const entry of this.outbox.pending()) {
          const socket = this.socket;
          const urn = this.session.urn;
          if (!socket?.isOpen || this._status !== 'online' || urn === undefined) return;
          try {
            const ack = (await socket.call('sendMessageToChannel', { text: entry.text, userUrn: urn, clientMessageId: entry.clientMessageId })) as { id: string; seq: number };
            this.outbox.confirm(entry.clientMessageId);
            this.conv.confirm(entry.clientMessageId, ack);
            this.changed();
          } catch (err) {
            const code = err instanceof CallError ? err.code : 'WG_CLIENT_ERROR';
            if (PERMANENT.has(code)) {
              this.outbox.fail(entry.clientMessageId, code);
              this.conv.setStatus(entry.clientMessageId, 'failed', code);
              this.changed();
              continue;
            }
            if (SESSION_LOST.has(code)) {
              this.saveSession({});
              socket.close(4000); // reconnect registers a new session, then sends again
              return;
            }
            // Transient (timeout, rate limit, store unavailable): try again after a pause.
            if (socket.isOpen) this.flushTimer = setTimeout(() => void this.flush(), this.backoff.next());
            return;
          }
        }
      } while (this.flushAgain);
    } finally {
      this.flushing = false;
    }
  }

  // --- state --------------------------------------------------------------------------------

  /** Another tab wrote the outbox or the conversation: show the same. */
  private storageChanged(key: string | null): void {
    if (key === this.keys.outbox) {
      for (const e of this.outbox.entries()) this.conv.addLocal(e);
      this.changed(false);
      void this.flush();
    } else if (key === this.keys.conversation) {
      for (const m of readJson<ChatMessage[]>(this.storage, this.keys.conversation, [])) {
        if (m && typeof m === 'object' && (m.seq !== undefined || m.status === 'sending')) {
          this.conv.mergeWire({ ...m, quick_replies: m.quickReplies, createdAt: m.time, clientMessageId: m.clientMessageId });
        }
      }
      this.changed(false);
    }
  }

  private saveSession(session: Session): void {
    this.session = session;
    writeJson(this.storage, this.keys.session, session);
  }

  private changed(persist = true): void {
    if (persist) writeJson(this.storage, this.keys.conversation, this.conv.snapshot());
    const list = this.conv.list();
    for (const fn of this.listeners.change) fn(list);
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this._status) return;
    this._status = status;
    for (const fn of this.listeners.status) fn(status);
  }

  private typing = false;
  private setTyping(on: boolean): void {
    clearTimeout(this.typingTimer);
    if (on) this.typingTimer = setTimeout(() => this.setTyping(false), TYPING_TIMEOUT);
    if (on === this.typing) return;
    this.typing = on;
    for (const fn of this.listeners.typing) fn(on);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** ws(s)://host/socketcluster/?channelUUID=..&hostApi=.. from the gateway's base URL. */
export function socketUrl(o: Pick<ClientOptions, 'url' | 'channelUuid' | 'hostApi'>): string {
  const u = new URL(o.url);
  u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  u.pathname = u.pathname.replace(/\/+$/, '') + '/socketcluster/';
  u.search = '';
  if (o.channelUuid) u.searchParams.set('channelUUID', o.channelUuid);
  if (o.hostApi) u.searchParams.set('hostApi', o.hostApi);
  u.hash = '';
  return u.toString();
}
