// WWC clients for tests: a raw `ws` client speaking the frames by hand, and the real
// @weni/webchat-service 1.5.0 from npm in Node (`ws` as its WebSocket, an in-memory
// localStorage), as ../shared/docs/wwc-protocol.md §9.2 describes.
import { createRequire } from 'node:module';
import WebSocket from 'ws';
import { waitFor } from './clients.js';

const require = createRequire(import.meta.url);

export type WwcFrame = Record<string, any> & { type: string };

/** A raw WWC client: frames in, frames out, nothing hidden. */
export class RawWwc {
  readonly ws: WebSocket;
  readonly frames: WwcFrame[] = [];
  closed: { code: number; reason: string } | undefined;
  readonly opened: Promise<void>;

  constructor(url: string, options: { origin?: string } = {}) {
    this.ws = new WebSocket(url, { ...(options.origin ? { origin: options.origin } : {}), rejectUnauthorized: false });
    this.ws.on('message', (data) => this.frames.push(JSON.parse(data.toString())));
    this.ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    this.ws.on('error', () => {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      this.ws.once('close', () => reject(new Error('closed before open')));
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  of(type: string): WwcFrame[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** Waits for the n-th frame of a type (1-based, default the first) and returns it. */
  async next(type: string, n = 1, timeout = 5_000): Promise<WwcFrame> {
    await waitFor(() => this.of(type).length >= n, timeout, `${n} ${type} frame(s); got ${JSON.stringify(this.frames).slice(0, 500)}`);
    return this.of(type)[n - 1]!;
  }

  async register(from: string, callback: string, extra: Record<string, unknown> = {}): Promise<WwcFrame> {
    await this.opened;
    const before = this.frames.length;
    this.send({ type: 'register', from, callback, session_type: 'local', ...extra });
    await waitFor(() => this.frames.slice(before).some((f) => f.type === 'ready_for_message' || f.type === 'error'), 5_000, 'an answer to register');
    return this.frames.slice(before).find((f) => f.type === 'ready_for_message' || f.type === 'error')!;
  }

  close(): void {
    this.ws.close();
  }
}

/** An in-memory Web Storage, one per simulated browser profile. */
export class MemoryStorage {
  private readonly map = new Map<string, string>();
  get length(): number {
    return this.map.size;
  }
  key(i: number): string | null {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k: string): string | null {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.map.set(k, String(v));
  }
  removeItem(k: string): void {
    this.map.delete(k);
  }
  clear(): void {
    this.map.clear();
  }
}

/** `ws` with the browser's constructor shape; the clients force wss, which tests may map to ws. */
function browserWebSocket(plain: boolean) {
  return class BrowserWs extends WebSocket {
    constructor(url: string) {
      super(plain ? url.replace(/^wss:/, 'ws:') : url, { rejectUnauthorized: false });
    }
  };
}

const { default: WeniWebchatService } = require('@weni/webchat-service') as { default: any };

export interface ServiceOptions {
  /** host:port of the gateway (the client adds wss:// and /ws). */
  socketUrl: string;
  channelUuid: string;
  host: string;
  storage?: MemoryStorage;
  /** true: the gateway serves plain ws (the client's wss is rewritten); false: real TLS. */
  plain?: boolean;
  [option: string]: unknown;
}

/**
 * The real @weni/webchat-service. Its constructor reads the global localStorage and WebSocket,
 * so they are set right before each instance is made (one "browser profile" per storage).
 */
export function createService(options: ServiceOptions): { service: any; storage: MemoryStorage; received: () => any[] } {
  const storage = options.storage ?? new MemoryStorage();
  const g = globalThis as any;
  g.WebSocket = browserWebSocket(options.plain ?? true);
  g.localStorage = storage;
  g.sessionStorage = storage;
  g.window ??= { location: { hostname: 'shop.example.test' } };
  const { storage: _s, plain: _p, ...config } = options;
  const service = new WeniWebchatService({ clientId: 'shop.example.test', pingInterval: 50_000, ...config });
  // Unhandled 'error' events would throw; tests read errors from the list instead.
  const errors: unknown[] = [];
  service.on('error', (e: unknown) => errors.push(e));
  return { service, storage, received: () => service.getMessages() };
}

/**
 * Ends a webchat-service instance as closing the page would: destroy() closes the socket but
 * leaves the library's own timers (session auto-clear after 30 min, contact timeout, typing)
 * running, which would keep the test process alive.
 */
export function dispose(service: any): void {
  service.destroy();
  for (const part of [service, service.session, service.messageProcessor, service.websocket, service.audioRecorder, service.cameraRecorder]) {
    if (!part) continue;
    for (const key of Object.keys(part)) {
      if (/timer$|Timer$|timerInterval$/.test(key) && part[key]) {
        clearTimeout(part[key]);
        clearInterval(part[key]);
        part[key] = null;
      }
    }
  }
}
