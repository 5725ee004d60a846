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
import { HistoryReader } from './history.js';
import { OutboxSender, SESSION_LOST } from './sender.js';
import { DEFAULT_MAX_FILE_BYTES, FileError, kindOf, readAsDataUrl } from './files.js';
import { defaultStorage, readJson, writeJson, type KeyValueStorage } from './storage.js';
import { hostOf, socketUrl } from './url.js';

export { socketUrl };

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
  /** Largest file sendFile takes (default 46 KiB: what fits the gateway's default MAX_PAYLOAD). */
  maxFileBytes?: number;
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
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly sender: OutboxSender;
  private readonly historyReader: HistoryReader;
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
    this.historyReader = new HistoryReader(this.conv, this.outbox, () => this.changed());
    this.sender = new OutboxSender(this.outbox, {
      target: () => {
        const socket = this.socket;
        const urn = this.session.urn;
        return socket?.isOpen && this._status === 'online' && urn !== undefined ? { socket, urn } : undefined;
      },
      confirmed: (entry, ack) => {
        this.outbox.confirm(entry.clientMessageId);
        this.conv.confirm(entry.clientMessageId, ack);
        this.changed();
      },
      failed: (entry, code) => {
        this.outbox.fail(entry.clientMessageId, code);
        this.conv.setStatus(entry.clientMessageId, 'failed', code);
        this.changed();
      },
      sessionLost: (socket) => {
        this.saveSession({});
        socket.close(4000); // the reconnect registers a new session, then sends again
      },
      retryDelay: () => this.backoff.next(),
    });
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
    (globalThis as { addEventListener?: (t: string, f: (e: { key: string | null }) => void) => void }).addEventListener?.('storage', this.onStorage);
    void this.connect();
  }

  stop(): void {
    this.running = false;
    (globalThis as { removeEventListener?: (t: string, f: (e: { key: string | null }) => void) => void }).removeEventListener?.('storage', this.onStorage);
    clearTimeout(this.reconnectTimer);
    this.sender.stop();
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
    void this.sender.flush();
    return m;
  }

  /**
   * Sends a file (with an optional caption) now: resolves with the message once the gateway
   * stored it, rejects with a FileError (its code: the gateway's WG_ERR_* or WG_CLIENT_*).
   */
  async sendFile(file: Blob, caption?: string): Promise<ChatMessage> {
    const max = this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (file.size > max) throw new FileError('WG_CLIENT_FILE_TOO_LARGE', `the file has ${file.size} bytes; this chat takes files up to ${max}`);
    const socket = this.socket;
    const urn = this.session.urn;
    if (!socket?.isOpen || urn === undefined || this._status !== 'online') throw new FileError('WG_CLIENT_OFFLINE', 'not connected');
    const media = await readAsDataUrl(file);
    let ack: { id?: unknown; seq?: unknown; media_url?: unknown };
    try {
      ack = (await socket.call('sendMessageToChannel', { userUrn: urn, media, ...(caption ? { text: caption } : {}) })) as typeof ack;
    } catch (err) {
      throw new FileError(err instanceof CallError ? err.code : 'WG_CLIENT_ERROR', (err as Error).message);
    }
    const merged = this.conv.mergeWire({
      id: ack.id,
      seq: ack.seq,
      direction: 'in',
      text: caption ?? '',
      createdAt: Date.now(),
      attachments: [{ type: kindOf(file.type), url: ack.media_url }],
    });
    if (!merged) throw new FileError('WG_CLIENT_ERROR', 'the gateway gave no id');
    this.changed();
    return merged.message;
  }

  /** Tries a failed message again. */
  retry(clientMessageId: string): void {
    if (!this.outbox.retry(clientMessageId)) return;
    this.conv.setStatus(clientMessageId, 'sending');
    this.changed();
    void this.sender.flush();
  }

  /** Loads the page of history before the oldest message held; resolves with how many were new. */
  async loadOlder(limit = 50): Promise<number> {
    const oldest = this.conv.list().find((m) => m.seq !== undefined)?.seq;
    if (!this.socket?.isOpen || oldest === undefined || oldest <= 1) return 0;
    return this.historyReader.before(this.historyCall(), oldest, limit);
  }

  // --- connection ---------------------------------------------------------------------------

  private async connect(): Promise<void> {
    if (!this.running) return;
    this.setStatus('connecting');
    const socket = new ScSocket(
      socketUrl(this.options),
      this.options.WebSocket ?? (globalThis as unknown as { WebSocket: WebSocketFactory }).WebSocket,
      {
        onEvent: (event, data) => this.onEvent(socket, event, data),
        onToken: (token) => this.saveSession({ ...this.session, token }),
        onClose: (code) => this.onClose(socket, code),
      },
      this.options.ackTimeout,
    );
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
      await this.historyReader.catchUp(this.historyCall());
      void this.sender.flush();
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
    if (typeof w.seq === 'number' && w.seq > before + 1 && before > 0) void this.historyReader.since(this.historyCall(), before).catch(() => {});
  }

  /** getHistory on the current socket. */
  private historyCall() {
    const socket = this.socket;
    return (params: { since?: number; before?: number; limit: number }) => (socket ? socket.call('getHistory', params) : Promise.resolve({ messages: [] }));
  }

  // --- state --------------------------------------------------------------------------------

  /** Another tab wrote the outbox or the conversation: show the same. */
  private storageChanged(key: string | null): void {
    if (key === this.keys.outbox) {
      for (const e of this.outbox.entries()) this.conv.addLocal(e);
      this.changed(false);
      void this.sender.flush();
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
