// A minimal SocketCluster protocol client on a plain WebSocket: what the gateway speaks (see the
// gateway's README, "What a widget does"), nothing else. One object per connection; the client
// (client.ts) makes a new one for every reconnect.
//
//   handshake  > {"event":"#handshake","data":{"authToken":T|null},"cid":1}
//              < {"rid":1,"data":{"id","isAuthenticated","pingTimeout"}}
//   call       > {"event":E,"data":D,"cid":N}      < {"rid":N,"error":X,"data":Y}
//   subscribe  > {"event":"#subscribe","data":{"channel":C,"data":{"since":S}},"cid":N}
//   publish    < {"event":"#publish","data":{"channel":C,"data":P}}  (also inside a JSON array batch)
//   token      < {"event":"#setAuthToken","data":{"token":JWT}}  /  {"event":"#removeAuthToken"}
//   keep-alive < "" or "#1"   > "" or "#2" (protocol 2 and 1 pings, answered in kind)

/** The parts of the WebSocket interface used here (browsers' WebSocket and the ws package both fit). */
// `any` in the handlers' event types: browsers' Event and ws's Event/MessageEvent are unrelated
// classes, and a handler property typed `unknown` would reject both (parameters are contravariant).
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: { data: any }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: any) => void) | null;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export type WebSocketFactory = new (url: string) => WebSocketLike;

/** An error the gateway answered (name is its WG_ERR_* code) or a local failure (timeout, closed). */
export class CallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export interface ScSocketEvents {
  /** A raw event or publish from the gateway. */
  onEvent(event: string, data: unknown): void;
  onToken(token: string | null): void;
  onClose(code: number, reason: string): void;
}

const OPEN = 1;

export class ScSocket {
  private readonly ws: WebSocketLike;
  private cid = 0;
  private readonly calls = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> }>();
  private closed = false;
  private pingTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimeout = 20_000;
  readonly opened: Promise<void>;

  constructor(
    url: string,
    WS: WebSocketFactory,
    private readonly events: ScSocketEvents,
    private readonly ackTimeout = 10_000,
  ) {
    this.ws = new WS(url);
    this.opened = new Promise<void>((resolve, reject) => {
      this.ws.onopen = () => resolve();
      this.ws.onerror = () => reject(new CallError('WG_CLIENT_CONNECT_FAILED', `could not connect to ${url}`));
    });
    this.opened.catch(() => {});
    this.ws.onmessage = (ev) => this.receive(typeof ev.data === 'string' ? ev.data : String(ev.data));
    this.ws.onclose = (ev) => this.shut(ev.code, ev.reason ?? '');
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === OPEN;
  }

  /** Opens the connection and shakes hands; resolves with whether the token was accepted. */
  async handshake(authToken: string | null): Promise<{ isAuthenticated: boolean; pingTimeout: number }> {
    await this.opened;
    const r = (await this.call('#handshake', { authToken })) as { isAuthenticated?: boolean; pingTimeout?: number } | undefined;
    if (typeof r?.pingTimeout === 'number' && r.pingTimeout > 0) this.pingTimeout = r.pingTimeout;
    this.armPingWatch();
    return { isAuthenticated: r?.isAuthenticated === true, pingTimeout: this.pingTimeout };
  }

  /** An event with a callback: resolves with its data, rejects with a CallError. */
  call(event: string, data: unknown, timeout = this.ackTimeout): Promise<unknown> {
    if (!this.isOpen) return Promise.reject(new CallError('WG_CLIENT_NOT_CONNECTED', 'not connected'));
    const cid = ++this.cid;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(cid);
        reject(new CallError('WG_CLIENT_TIMEOUT', `no answer to ${event} within ${timeout} ms`));
      }, timeout);
      this.calls.set(cid, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ event, data, cid }));
    });
  }

  subscribe(channel: string, since?: number): Promise<unknown> {
    return this.call('#subscribe', since === undefined ? { channel } : { channel, data: { since } });
  }

  close(code = 1000): void {
    if (this.closed) return;
    try {
      this.ws.close(code);
    } catch {
      // already closing
    }
    this.shut(code, 'closed by client');
  }

  private receive(text: string): void {
    if (text === '' || text === '#1') {
      // Keep-alive ping: answer at once (the gateway's proof of receipt counts on it).
      if (this.isOpen) this.ws.send(text === '' ? '' : '#2');
      this.armPingWatch();
      return;
    }
    let packet: unknown;
    try {
      packet = JSON.parse(text);
    } catch {
      return; // not ours to understand
    }
    this.armPingWatch();
    for (const p of Array.isArray(packet) ? (packet as unknown[]) : [packet]) this.dispatch(p);
  }

  private dispatch(packet: unknown): void {
    if (packet === null || typeof packet !== 'object') return;
    const p = packet as Record<string, unknown>;
    if (typeof p['rid'] === 'number') {
      const call = this.calls.get(p['rid']);
      if (!call) return;
      this.calls.delete(p['rid']);
      clearTimeout(call.timer);
      const err = p['error'];
      if (err !== undefined && err !== null) call.reject(toCallError(err));
      else call.resolve(p['data']);
      return;
    }
    const event = p['event'];
    if (typeof event !== 'string') return;
    if (event === '#setAuthToken') this.events.onToken(tokenOf(p['data']));
    else if (event === '#removeAuthToken') this.events.onToken(null);
    else if (event === '#publish') this.events.onEvent('#publish', p['data']);
    else if (!event.startsWith('#')) this.events.onEvent(event, p['data']);
  }

  /** No frame at all for longer than the ping timeout: the connection is dead. */
  private armPingWatch(): void {
    clearTimeout(this.pingTimer);
    if (this.closed) return;
    this.pingTimer = setTimeout(() => this.close(4000), this.pingTimeout);
  }

  private shut(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.pingTimer);
    for (const [cid, call] of this.calls) {
      clearTimeout(call.timer);
      call.reject(new CallError('WG_CLIENT_NOT_CONNECTED', 'connection closed'));
      this.calls.delete(cid);
    }
    this.events.onClose(code, reason);
  }
}

function toCallError(err: unknown): CallError {
  if (typeof err === 'string') {
    // registerUser answers a JSON string in the error slot on success too; callers handle that.
    return new CallError('WG_CLIENT_STRING_REPLY', err);
  }
  const o = err as { name?: unknown; code?: unknown; message?: unknown };
  const code = typeof o?.code === 'string' ? o.code : typeof o?.name === 'string' ? o.name : 'WG_CLIENT_ERROR';
  return new CallError(code, typeof o?.message === 'string' ? o.message : String(err));
}

/** The signed token of a `#setAuthToken` event's data, or null. */
function tokenOf(data: unknown): string | null {
  const token = data !== null && typeof data === 'object' ? (data as { token?: unknown }).token : undefined;
  return typeof token === 'string' ? token : null;
}
