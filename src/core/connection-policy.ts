// What every connection is held to, whatever its wire protocol: its event budget (CLIENT_RATE,
// CLIENT_BURST; a connection that keeps flooding is closed), registering within REGISTER_TIMEOUT,
// and being bound to one session.
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics.js';
import { CLOSE_RATE_ABUSE, CLOSE_REGISTER_TIMEOUT, type CoreConnection, type EventGuard } from './connections.js';

/** A front-end's connection as the policy sees it. */
export interface PolicedConnection extends CoreConnection {
  readonly guard: EventGuard;
  registerTimer: NodeJS.Timeout | undefined;
}

export interface ConnectionPolicyOptions {
  clientRate: number;
  clientBurst: number;
  registerTimeout: number;
}

export class ConnectionPolicy {
  constructor(
    readonly options: ConnectionPolicyOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /**
   * Takes one event from the connection's budget. Over it, the event is counted as refused,
   * `refuse` answers the client, and a connection refused more than twice the burst within
   * ABUSE_WINDOW is closed. Returns whether the event may go on.
   */
  admitEvent(conn: PolicedConnection, refuse: () => void): boolean {
    if (conn.guard.take()) return true;
    this.metrics.refuse('event_rate');
    refuse();
    if (conn.guard.refused()) {
      this.metrics.refuse('rate_abuse_close');
      this.log.warn({ socket: conn.id, ip: conn.ip }, 'socket closed for sustained event flood');
      conn.close(CLOSE_RATE_ABUSE, 'rate limit exceeded');
    }
    return false;
  }

  /** A connection without a session must register within REGISTER_TIMEOUT, or it is closed with `reason`. */
  awaitRegistration(conn: PolicedConnection, reason: string): void {
    conn.registerTimer = setTimeout(() => {
      if (conn.sessionUrn !== undefined || !conn.open) return;
      this.metrics.refuse('register_timeout');
      conn.close(CLOSE_REGISTER_TIMEOUT, reason);
    }, this.options.registerTimeout);
    conn.registerTimer.unref();
  }

  /** The connection acts for this session from now on. */
  bind(conn: PolicedConnection, urn: string): void {
    conn.sessionUrn = urn;
    clearTimeout(conn.registerTimer);
  }

  /** The connection closed. */
  release(conn: PolicedConnection): void {
    clearTimeout(conn.registerTimer);
  }
}
