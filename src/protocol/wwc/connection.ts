// One WWC client (push-webchat 2.x, @weni/webchat-service) as the core sees it. Receipt is
// proven with WebSocket-level pings: browsers and `ws` answer them on their own, in order after
// the frames before them, so a pong proves the client holds everything sent before its ping.
// The same pings keep the connection alive (weni-webchat-socket sends none since 1.9.3).
import type { WebSocket } from 'ws';
import { EventGuard, type CoreConnection } from '../../core/connections.js';
import { PingClock } from '../../core/ping-clock.js';
import type { StoredMessage } from '../../store/store.js';
import { messageFrame, typingFrame } from './frames.js';

export const MAX_SOCKET_BUFFER = 1024 * 1024;
export const SEND_HIGH_WATER = 256 * 1024;
const DRAIN_POLL = 10;
/** Close codes (< 4500: clients reconnect). */
export const CLOSE_BACKPRESSURE = 4100;

export interface WwcConnectionOptions {
  clientRate: number;
  clientBurst: number;
  pingInterval: number;
  pingTimeout: number;
}

/** What a registered connection serves: where history stops and replay starts (see handlers.ts). */
export interface WwcSessionView {
  channelUuid: string;
  /** Newest seq when the connection registered: history covers up to here. */
  ceiling: number;
  /** Platform messages after this seq are replayed as live frames, so history leaves them out. */
  replayFrom: number;
}

let counter = 0;

export class WwcConnection implements CoreConnection {
  readonly id = `wwc-${(++counter).toString(36)}`;
  readonly guard: EventGuard;
  sessionUrn: string | undefined;
  view: WwcSessionView | undefined;
  registerTimer: NodeJS.Timeout | undefined;
  /** Frames of this connection are handled one at a time, in order. */
  queue: Promise<void> = Promise.resolve();
  onBackpressure: () => void = () => {};
  /** Keep-alive and receipt pings (WebSocket-level). */
  readonly clock: PingClock;

  constructor(
    readonly ws: WebSocket,
    readonly ip: string,
    options: WwcConnectionOptions,
  ) {
    this.guard = new EventGuard(options.clientRate, options.clientBurst);
    this.clock = new PingClock(options, {
      sendPing: () => {
        if (!this.open) return false;
        this.ws.ping();
        return true;
      },
      onTimeout: () => {
        this.stop();
        this.ws.terminate();
      },
    });
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** `socket`: the TCP connection under the WebSocket; bytes arriving on it prove the client alive. */
  startKeepAlive(socket?: NodeJS.EventEmitter): void {
    // A file is one frame of up to ~14 MB: on a slow uplink it takes longer than PING_TIMEOUT,
    // and the client's pong waits behind it. Its bytes arriving count as life.
    socket?.on('data', () => this.clock.alive());
    this.ws.on('pong', () => {
      this.clock.alive();
      this.clock.pong();
    });
    this.ws.on('message', () => this.clock.alive());
    this.clock.start();
  }

  stop(): void {
    this.clock.stop();
  }

  send(frame: string): void {
    if (!this.open) return;
    if (this.ws.bufferedAmount > MAX_SOCKET_BUFFER) {
      this.onBackpressure();
      this.close(CLOSE_BACKPRESSURE, 'client is not reading');
      return;
    }
    this.ws.send(frame);
  }

  deliver(message: StoredMessage): void {
    this.send(messageFrame(message, this.view?.channelUuid ?? ''));
  }

  typing(from: string): void {
    if (this.sessionUrn !== undefined) this.send(typingFrame(this.sessionUrn, from, this.view?.channelUuid ?? ''));
  }

  ping(): number {
    return this.clock.ping();
  }

  close(code: number, reason: string): void {
    this.stop();
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason);
  }

  congested(): boolean {
    return this.ws.bufferedAmount > SEND_HIGH_WATER;
  }

  async drained(): Promise<void> {
    while (this.open && this.congested()) await new Promise((r) => setTimeout(r, DRAIN_POLL));
  }
}
