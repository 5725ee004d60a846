// What the core knows of a client connection, whatever its wire protocol, and the registry of
// the live ones on this process (the admin API ends a session's sockets through it).
import type { DeliveryTarget } from '../delivery/deliverer.js';
import { TokenBucket } from '../limits/token-bucket.js';

/**
 * Close code sent on graceful shutdown: 1012 "service restart". Both SocketCluster client
 * generations reconnect on any code other than 1000 below 4500; push-webchat on any close.
 */
export const CLOSE_SERVICE_RESTART = 1012;
/** Close code for a socket that never registered (>= 4500: clients do not reconnect). */
export const CLOSE_REGISTER_TIMEOUT = 4501;
/** How long a shutdown waits for clients to answer the close before cutting them. */
export const CLOSE_GRACE = 1_000;
/** Close code for a socket that kept emitting past its rate limit (< 4500: it may come back). */
export const CLOSE_RATE_ABUSE = 4400;
/** Close code for a session ended by the admin API (>= 4500: clients do not reconnect). */
export const CLOSE_SESSION_ENDED = 4510;
/** Refused events within ABUSE_WINDOW beyond which a socket is closed, as a multiple of the burst. */
export const ABUSE_WINDOW = 10_000;

/**
 * A connection as the core sees it. Each front-end frames delivered messages itself
 * (`deliver`), proves receipt with its own ping, and closes in its own way.
 */
export interface CoreConnection extends DeliveryTarget {
  readonly ip: string;
  /** The session this connection may act for, once checked. */
  sessionUrn: string | undefined;
  /** Closes the connection with a WebSocket close code. */
  close(code: number, reason: string): void;
  /** Relays the platform's typing indicator, where the protocol has one. */
  typing?(from: string): void;
}

/** Per-connection event rate: a token bucket, and closing a socket that keeps flooding. */
export class EventGuard {
  private readonly bucket: TokenBucket;
  private refusedAt: number[] = [];

  constructor(
    rate: number,
    private readonly burst: number,
  ) {
    this.bucket = new TokenBucket(rate, burst);
  }

  take(): boolean {
    return this.bucket.take();
  }

  /** Records a refusal; true when more than twice the burst came within ABUSE_WINDOW (close it). */
  refused(now = Date.now()): boolean {
    this.refusedAt = this.refusedAt.filter((t) => now - t < ABUSE_WINDOW);
    this.refusedAt.push(now);
    return this.refusedAt.length > 2 * this.burst;
  }
}

export class ConnectionRegistry {
  private readonly all = new Map<string, CoreConnection>();

  add(conn: CoreConnection): void {
    this.all.set(conn.id, conn);
  }

  remove(conn: CoreConnection): boolean {
    return this.all.delete(conn.id);
  }

  get size(): number {
    return this.all.size;
  }

  /** The live connections bound to a session. */
  *forSession(urn: string): Iterable<CoreConnection> {
    for (const conn of this.all.values()) if (conn.sessionUrn === urn) yield conn;
  }

  /** Relays a typing indicator to the session's connections here; returns how many took it. */
  typing(urn: string, from: string): number {
    let n = 0;
    for (const conn of this.forSession(urn)) {
      if (conn.typing) {
        conn.typing(from);
        n++;
      }
    }
    return n;
  }

  /** Ends a session's connections on this process (admin API); returns how many. */
  kick(urn: string): number {
    let n = 0;
    for (const conn of [...this.forSession(urn)]) {
      conn.sessionUrn = undefined;
      conn.close(CLOSE_SESSION_ENDED, 'session ended');
      n++;
    }
    return n;
  }
}
