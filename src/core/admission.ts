// Who may open a socket and register, whatever the wire protocol: the page's origin, open
// connections per client address, registrations per address per minute. Both front-ends call
// this one instance, so a client's SocketCluster and WWC sockets count against the same limits.
// The counters sit behind two small interfaces so they can be shared between processes
// (e.g. in Redis) without touching the front-ends.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/catalogue.js';
import { clientIp } from '../limits/client-ip.js';
import type { OriginPolicy } from '../limits/origins.js';
import { WindowCounter } from '../limits/token-bucket.js';
import type { Metrics } from '../metrics.js';

/** Open sockets per client address. `acquire` counts one unless the address is at the limit. */
export interface ConnectionCounter {
  acquire(ip: string): boolean | Promise<boolean>;
  release(ip: string): void;
  /** How many sockets the address holds (for the refusal's message). */
  count(ip: string): number;
}

/** Registrations per client address in a window. `hit` records one unless over the limit. */
export interface RegistrationLimiter {
  hit(ip: string): boolean | Promise<boolean>;
}

/** The in-process counter of open sockets per address. */
export class LocalConnectionCounter implements ConnectionCounter {
  private readonly perIp = new Map<string, number>();
  constructor(private readonly max: number) {}
  acquire(ip: string): boolean {
    const open = this.perIp.get(ip) ?? 0;
    if (open >= this.max) return false;
    this.perIp.set(ip, open + 1);
    return true;
  }
  release(ip: string): void {
    const n = (this.perIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, n);
  }
  count(ip: string): number {
    return this.perIp.get(ip) ?? 0;
  }
}

export interface AdmissionOptions {
  origins: OriginPolicy;
  trustedProxies: readonly string[];
  maxConnectionsPerIp: number;
  maxRegistrationsPerMinute: number;
  connections?: ConnectionCounter;
  registrations?: RegistrationLimiter;
}

export class Admission {
  private readonly trusted: ReadonlySet<string>;
  private readonly connections: ConnectionCounter;
  private readonly registrations: RegistrationLimiter;
  private readonly sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: AdmissionOptions,
    private readonly metrics: Metrics,
  ) {
    this.trusted = new Set(options.trustedProxies);
    this.connections = options.connections ?? new LocalConnectionCounter(options.maxConnectionsPerIp);
    if (options.registrations) {
      this.registrations = options.registrations;
    } else {
      const window = new WindowCounter(options.maxRegistrationsPerMinute);
      this.registrations = window;
      this.sweepTimer = setInterval(() => window.sweep(), 60_000);
      this.sweepTimer.unref();
    }
  }

  clientIp(req: IncomingMessage): string {
    return clientIp(req, this.trusted);
  }

  /**
   * Before a WebSocket upgrade: checks the origin and counts the socket against its address.
   * Returns the address (release it when the socket closes); throws the refusal otherwise.
   */
  async admit(req: IncomingMessage): Promise<string> {
    const origin = req.headers.origin;
    if (!this.options.origins.allows(origin)) {
      this.metrics.refuse('origin');
      throw new GatewayError('WG_ERR_ORIGIN_NOT_ALLOWED', `the origin ${JSON.stringify(String(origin ?? '(none)').slice(0, 200))} may not open chat sockets; the operator must add it to ALLOWED_ORIGINS.`);
    }
    const ip = this.clientIp(req);
    if (!(await this.connections.acquire(ip))) {
      this.metrics.refuse('connections_per_ip');
      throw new GatewayError('WG_ERR_TOO_MANY_CONNECTIONS', `${this.connections.count(ip)} sockets are open from your address (MAX_CONNECTIONS_PER_IP).`);
    }
    return ip;
  }

  /** A socket admitted by `admit` closed. */
  release(ip: string): void {
    this.connections.release(ip);
  }

  /** Before creating or resuming a session: registrations per address per minute. */
  async register(ip: string): Promise<void> {
    if (await this.registrations.hit(ip)) return;
    this.metrics.refuse('registrations_per_ip');
    throw new GatewayError('WG_ERR_RATE_LIMITED', `Too many registrations from your address; the limit is ${this.options.maxRegistrationsPerMinute} a minute.`);
  }

  close(): void {
    clearInterval(this.sweepTimer);
  }
}
