// Real SocketCluster clients, driven as widgets drive them.
//   v9:      socketcluster-client 9.0.x (npm alias sc-v9), as bundled by widgets in the field
//   current: socketcluster-client 20.x (npm alias sc-current)
import scV9 from 'sc-v9';
import { create as createCurrent } from 'sc-current';

export interface ReceivedPayload {
  id: string;
  to: string;
  text: string;
  seq: number;
  quick_replies: string[];
  [k: string]: unknown;
}

/**
 * A token store shared by clients, as localStorage is shared by page loads. Speaks both auth
 * engine styles: 9.x calls back (name, [token, options,] callback), 20.x awaits a promise.
 */
export class TokenJar {
  token: string | null = null;
  saveToken(_name: string, token: string, _options?: unknown, callback?: (err: null, token: string) => void): Promise<string> {
    this.token = token;
    callback?.(null, token);
    return Promise.resolve(token);
  }
  removeToken(_name: string, callback?: (err: null, token: string | null) => void): Promise<string | null> {
    const t = this.token;
    this.token = null;
    callback?.(null, t);
    return Promise.resolve(t);
  }
  loadToken(_name: string, callback?: (err: null, token: string | null) => void): Promise<string | null> {
    callback?.(null, this.token);
    return Promise.resolve(this.token);
  }
}

export interface V9Options {
  query?: Record<string, string>;
  jar?: TokenJar;
  autoReconnect?: boolean;
}

export class V9Widget {
  readonly socket: any;
  readonly received: ReceivedPayload[] = [];
  readonly rawEvents: ReceivedPayload[] = [];
  readonly jar: TokenJar;
  urn: string | undefined;
  closes: number[] = [];

  constructor(port: number, options: V9Options = {}) {
    this.jar = options.jar ?? new TokenJar();
    this.socket = scV9.connect({
      hostname: '127.0.0.1',
      port,
      multiplex: false,
      autoReconnect: options.autoReconnect ?? false,
      autoReconnectOptions: { initialDelay: 50, randomness: 50, maxDelay: 500 },
      authEngine: this.jar,
      query: options.query ?? {},
      ackTimeout: 10_000,
    });
    this.socket.on('error', () => {});
    this.socket.on('close', (code: number) => this.closes.push(code));
    this.socket.on('receivedMessageFromChannel', (data: ReceivedPayload) => this.rawEvents.push(data));
  }

  /** registerUser as the widget does it: the reply is read from the FIRST callback argument. */
  register(data: Record<string, unknown> = {}): Promise<any> {
    return new Promise((resolve) => {
      this.socket.emit('registerUser', data, (first: unknown) => {
        // A lost or timed-out call answers with an Error object, not the gateway's JSON.
        if (typeof first !== 'string') return resolve({ error: 'CLIENT_ERROR', message: String((first as Error)?.message ?? first) });
        const parsed = JSON.parse(first);
        if (parsed.urn) this.urn = parsed.urn;
        resolve(parsed);
      });
    });
  }

  /** subscribe(urn).watch(...) as the widget does, keeping only data addressed to urn. */
  subscribe(urn = this.urn!, options?: Record<string, unknown>): any {
    const channel = this.socket.subscribe(urn, options);
    channel.watch((data: ReceivedPayload) => {
      if (data.to === urn) this.received.push(data);
    });
    return channel;
  }

  /** Resolves on subscribe, rejects with the error of subscribeFail. */
  subscribeAndWait(urn = this.urn!, options?: Record<string, unknown>): Promise<void> {
    return new Promise((resolve, reject) => {
      const channel = this.subscribe(urn, options);
      channel.on('subscribe', () => resolve());
      channel.on('subscribeFail', (err: Error) => reject(err));
    });
  }

  /** Like the widget: no callback. */
  send(text: string, userUrn = this.urn!): void {
    this.socket.emit('sendMessageToChannel', { text, userUrn });
  }

  /** With a callback: resolves with (err, data). */
  sendAck(data: unknown): Promise<{ err: any; data: any }> {
    return new Promise((resolve) => this.socket.emit('sendMessageToChannel', data, (err: any, d: any) => resolve({ err, data: d })));
  }

  emitAck(event: string, data: unknown): Promise<{ err: any; data: any }> {
    return new Promise((resolve) => this.socket.emit(event, data, (err: any, d: any) => resolve({ err, data: d })));
  }

  get state(): string {
    return this.socket.state;
  }

  /** The TCP connection dies without a close frame (network loss). */
  cutNetwork(): void {
    this.socket.transport?.socket?._socket?.destroy();
  }

  close(): void {
    this.socket.disconnect();
    this.socket.destroy?.();
  }
}

export class CurrentWidget {
  readonly socket: any;
  readonly received: ReceivedPayload[] = [];
  urn: string | undefined;

  constructor(port: number, options: { query?: Record<string, string>; authTokenName?: string; autoReconnect?: boolean } = {}) {
    this.socket = createCurrent({
      hostname: '127.0.0.1',
      port,
      autoReconnect: options.autoReconnect ?? false,
      query: options.query ?? {},
      authTokenName: options.authTokenName ?? `t-${Math.random()}`,
    });
  }

  /** Current clients get the reply as a rejected invoke (error slot) with the same JSON. */
  async register(data: Record<string, unknown> = {}): Promise<any> {
    let json: string;
    try {
      json = await this.socket.invoke('registerUser', data);
    } catch (err) {
      json = err as string;
    }
    const parsed = JSON.parse(json);
    if (parsed.urn) this.urn = parsed.urn;
    return parsed;
  }

  async subscribe(urn = this.urn!, options?: Record<string, unknown>): Promise<any> {
    const channel = this.socket.subscribe(urn, options);
    void (async () => {
      for await (const data of channel) if (data.to === urn) this.received.push(data);
    })();
    await channel.listener('subscribe').once();
    return channel;
  }

  close(): void {
    this.socket.disconnect();
  }
}

export async function waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
