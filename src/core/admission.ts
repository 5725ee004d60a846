// Who may open a socket and register, whatever the wire protocol: the page's origin, open
// connections per client address, registrations per address per minute. Both front-ends call
// this one instance, so a client's SocketCluster and WWC sockets count against the same limits.
// The counts live behind AddressLimits (src/limits/address-limits.ts): in this process, or in
// Redis when the store is Redis, so behind N nodes an address still gets the limit once.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/catalogue.js';
import type { AddressLimits } from '../limits/address-limits.js';
import { clientIp, TrustedProxies } from '../limits/client-ip.js';
import type { OriginPolicy } from '../limits/origins.js';
import type { Metrics } from '../metrics.js';

export interface AdmissionOptions {
  origins: OriginPolicy;
  /** TRUSTED_PROXIES: exact addresses or CIDR ranges whose X-Forwarded-For is believed. */
  trustedProxies: readonly string[];
  maxRegistrationsPerMinute: number;
  limits: AddressLimits;
}

export class Admission {
  private readonly trusted: TrustedProxies;

  constructor(
    private readonly options: AdmissionOptions,
    private readonly metrics: Metrics,
  ) {
    this.trusted = new TrustedProxies(options.trustedProxies);
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
      throw new GatewayError(
        'WG_ERR_ORIGIN_NOT_ALLOWED',
        `the origin ${JSON.stringify(String(origin ?? '(none)').slice(0, 200))} may not open chat sockets; the operator must add it to ALLOWED_ORIGINS.`,
      );
    }
    const ip = this.clientIp(req);
    const { allowed, open } = await this.options.limits.acquire(ip);
    if (!allowed) {
      this.metrics.refuse('connections_per_ip');
      throw new GatewayError('WG_ERR_TOO_MANY_CONNECTIONS', `${open} sockets are open from your address (MAX_CONNECTIONS_PER_IP).`);
    }
    if (req.socket.destroyed) {
      this.options.limits.release(ip); // the client left while it was being counted
      throw new GatewayError('WG_ERR_TOO_MANY_CONNECTIONS', 'the client went away during admission');
    }
    return ip;
  }

  /** A socket admitted by `admit` closed. */
  release(ip: string): void {
    this.options.limits.release(ip);
  }

  /** Before creating or resuming a session: registrations per address per minute. */
  async register(ip: string): Promise<void> {
    if (await this.options.limits.registrationAllowed(ip)) return;
    this.metrics.refuse('registrations_per_ip');
    throw new GatewayError('WG_ERR_RATE_LIMITED', `Too many registrations from your address; the limit is ${this.options.maxRegistrationsPerMinute} a minute.`);
  }
}
