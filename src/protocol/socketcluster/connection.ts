// One SocketCluster client as the core sees it (CoreConnection): it frames delivered messages
// as SocketCluster publishes and proves receipt with its own keep-alive pings.
import type { AGServerSocket } from 'socketcluster-server';
import { EventGuard, type CoreConnection } from '../../core/connections.js';
import type { StoredMessage } from '../../store/store.js';
import { parseConnectionQuery } from './connection-query.js';
import { typingFrame } from './frames.js';
import { KeepAlive } from './keepalive.js';

/**
 * Outbound bytes a socket may leave unread before it is closed. A client that stops reading
 * would otherwise grow the server's memory; its unproven messages are replayed when it returns.
 */
export const DEFAULT_MAX_SOCKET_BUFFER = 1024 * 1024;
/** Above this much unsent output, delivery waits for the socket to drain before sending more. */
export const SEND_HIGH_WATER = 256 * 1024;
export const DRAIN_POLL = 10;
/** Close code for a socket closed over backpressure (< 4500: clients reconnect). */
export const CLOSE_BACKPRESSURE = 4100;

export interface ConnectionOptions {
  clientRate: number;
  clientBurst: number;
  /** Frames a delivered message (the server's deliveryFramer). */
  frame: (message: StoredMessage) => string;
  pingInterval: number;
  pingTimeout: number;
}

export class Connection implements CoreConnection {
  readonly id: string;
  readonly keepalive: KeepAlive;
  readonly query: Record<string, string>;
  readonly guard: EventGuard;
  /** The session this socket may act for: its token's urn, once checked against the store. */
  sessionUrn: string | undefined;
  /** Settles once the token the socket connected with has been checked. */
  verified: Promise<void> = Promise.resolve();
  onBackpressure: (() => void) | undefined;
  registerTimer: NodeJS.Timeout | undefined;

  private readonly frame: (message: StoredMessage) => string;

  constructor(
    readonly socket: AGServerSocket,
    options: ConnectionOptions,
    readonly ip: string,
  ) {
    this.frame = options.frame;
    this.id = socket.id;
    this.query = parseConnectionQuery(socket.request.url);
    this.keepalive = new KeepAlive(socket, { pingInterval: options.pingInterval, pingTimeout: options.pingTimeout });
    this.guard = new EventGuard(options.clientRate, options.clientBurst);
  }

  get open(): boolean {
    return this.socket.state === 'open';
  }

  deliver(message: StoredMessage): void {
    this.send(this.frame(message));
  }

  /** The platform is typing: the raw event `typing {to, typing: true}` (not stored, not replayed). */
  typing(): void {
    if (this.sessionUrn !== undefined) this.send(typingFrame(this.sessionUrn));
  }

  send(frame: string): void {
    if (!this.open) return;
    if (this.socket.socket.bufferedAmount > DEFAULT_MAX_SOCKET_BUFFER) {
      this.onBackpressure?.();
      this.socket.disconnect(CLOSE_BACKPRESSURE, 'client is not reading');
      return;
    }
    this.socket.send(frame);
  }

  ping(): number {
    return this.keepalive.ping();
  }

  close(code: number, reason: string): void {
    this.socket.disconnect(code, reason);
  }

  congested(): boolean {
    return this.socket.socket.bufferedAmount > SEND_HIGH_WATER;
  }

  async drained(): Promise<void> {
    // Polled: ws exposes no event for its own buffer; a stuck peer is closed by the keep-alive.
    while (this.open && this.congested()) await new Promise((r) => setTimeout(r, DRAIN_POLL));
  }

  tokenUrn(): string | undefined {
    return this.sessionUrn;
  }
}
