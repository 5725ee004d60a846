// Keep-alive for both SocketCluster client generations on one server.
//
// socketcluster-server fixes one protocol version per server: protocol 1 pings with "#1" and
// expects "#2" (socketcluster-client 9.x, bundled by widgets in the field); protocol 2 pings with
// "" and expects "" (current clients). Handshake, RPC, publish and auth frames are the same in
// both. So the server runs with its own ping disabled, and this module pings each socket itself:
// until the socket's first pong it sends both pings (each client generation ignores the other's:
// v9 surfaces "" as a raw message, current clients surface "#1" as a raw message), and from the
// first pong on it sends only the one that socket answered.
//
// Pongs also prove receipt: WebSocket frames arrive in order and clients answer pings as they
// process them, so a pong proves that everything sent before its ping was received. The
// delivery layer uses `ping()` and `onPong` as that barrier.
import type { WebSocket } from 'ws';
import { PingClock, type PingClockOptions } from '../../core/ping-clock.js';

export const PING_V1 = '#1';
export const PONG_V1 = '#2';
export const PING_V2 = '';
export const PONG_V2 = '';

/** Close code used by socketcluster on a pong timeout; clients reconnect on it (< 4500). */
export const CLOSE_PONG_TIMEOUT = 4001;

export type ProtocolGeneration = 1 | 2;

/** The part of AGServerSocket this module needs. */
export interface PingableSocket {
  socket: WebSocket;
  send(data: string): void;
  disconnect(code?: number, reason?: string): void;
  state: string;
}

export class KeepAlive {
  /** Known after the first pong; until then both pings are sent. */
  generation: ProtocolGeneration | undefined;
  private readonly clock: PingClock;
  private readonly onMessage: (data: Buffer, isBinary: boolean) => void;

  constructor(
    private readonly target: PingableSocket,
    options: PingClockOptions,
  ) {
    this.clock = new PingClock(options, {
      sendPing: () => {
        if (this.target.state !== 'open') return false;
        if (this.generation !== 2) this.target.send(PING_V1);
        if (this.generation !== 1) this.target.send(PING_V2);
        return true;
      },
      onTimeout: () => {
        this.stop();
        this.target.disconnect(CLOSE_PONG_TIMEOUT, 'pong timeout');
      },
    });
    this.onMessage = (data, isBinary) => {
      // Any inbound traffic shows the peer is alive; only pongs prove receipt.
      this.clock.alive();
      if (isBinary || data.length > 2) return;
      const text = data.toString();
      if (text === PONG_V1) this.pong(1);
      else if (text === PONG_V2) this.pong(2);
    };
  }

  /** Called with the number of each ping sent (1-based). */
  set onPing(fn: (pingNumber: number) => void) {
    this.clock.onPing = fn;
  }

  /** Called with the number of the ping answered (1-based, in the order of `ping()` calls). */
  set onPong(fn: (pingNumber: number) => void) {
    this.clock.onPong = fn;
  }

  /** Start after the SocketCluster handshake: earlier pongs would break the strict handshake. */
  start(): void {
    this.target.socket.on('message', this.onMessage);
    this.clock.start();
  }

  stop(): void {
    this.clock.stop();
    this.target.socket.off('message', this.onMessage);
  }

  /** Sends a ping now; returns its number, which `onPong` reports when it is answered. */
  ping(): number {
    return this.clock.ping();
  }

  stats(): { generation: ProtocolGeneration | undefined; pingsSent: number; pongsReceived: number } {
    return { generation: this.generation, ...this.clock.stats() };
  }

  private pong(generation: ProtocolGeneration): void {
    this.generation ??= generation;
    this.clock.pong();
  }
}
