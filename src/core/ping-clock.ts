// Keep-alive and receipt pings, whatever the wire protocol: a ping every PING_INTERVAL, pings and
// pongs numbered in order (a pong proves everything sent before its ping was received; see
// delivery/deliverer.ts), and a connection that shows no sign of life for PING_TIMEOUT is given
// up. How a ping is written and how a pong is recognised is the front-end's part.

export interface PingClockOptions {
  pingInterval: number;
  pingTimeout: number;
}

export interface PingWire {
  /** Writes a ping; false when the connection can no longer take one. */
  sendPing(): boolean;
  /** Nothing came in for PING_TIMEOUT (the clock has stopped itself). */
  onTimeout(): void;
}

export class PingClock {
  private pingsSent = 0;
  private pongsReceived = 0;
  private interval: NodeJS.Timeout | undefined;
  private timeout: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastAlive = 0;

  /** Called with the number of each ping sent (1-based). */
  onPing: (pingNumber: number) => void = () => {};
  /** Called with the number of the ping answered (1-based, in the order of `ping()` calls). */
  onPong: (pingNumber: number) => void = () => {};

  constructor(
    private readonly options: PingClockOptions,
    private readonly wire: PingWire,
  ) {}

  start(): void {
    this.interval = setInterval(() => this.ping(), this.options.pingInterval);
    this.interval.unref();
    this.alive();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.interval);
    clearTimeout(this.timeout);
  }

  /** Sends a ping now; returns its number, which `onPong` reports when it is answered. */
  ping(): number {
    if (this.stopped || !this.wire.sendPing()) return this.pingsSent;
    this.onPing(++this.pingsSent);
    return this.pingsSent;
  }

  /** A pong came in. One nobody asked for (a client answering on its own) proves nothing. */
  pong(): void {
    if (this.pongsReceived >= this.pingsSent) return;
    this.onPong(++this.pongsReceived);
  }

  /** Any inbound traffic shows the peer is alive: PING_TIMEOUT counts from now. */
  alive(): void {
    if (this.stopped) return;
    // Only a time is noted per message; the one timer checks it when it fires.
    this.lastAlive = Date.now();
    if (!this.timeout) this.arm(this.options.pingTimeout);
  }

  private arm(ms: number): void {
    this.timeout = setTimeout(() => {
      const quiet = Date.now() - this.lastAlive;
      if (quiet < this.options.pingTimeout) return this.arm(this.options.pingTimeout - quiet);
      this.stop();
      this.wire.onTimeout();
    }, ms);
    this.timeout.unref();
  }

  stats(): { pingsSent: number; pongsReceived: number } {
    return { pingsSent: this.pingsSent, pongsReceived: this.pongsReceived };
  }
}
