// Per-address admission limits: open connections per client address (MAX_CONNECTIONS_PER_IP)
// and registrations per address per minute (MAX_REGISTRATIONS_PER_MINUTE). One small interface
// with two implementations: in this process (memory, SQLite: one node) and in Redis (shared by
// every node on the same Redis, so behind N nodes an address still gets the limit, not N times
// it). Addresses are grouped by limitKey(): IPv6 by IPV6_PREFIX_LENGTH bits (/64 by default).
import { limitKey } from './client-ip.js';
import { WindowCounter } from './token-bucket.js';

export interface AddressLimitsOptions {
  maxConnectionsPerIp: number;
  maxRegistrationsPerMinute: number;
  ipv6PrefixLength: number;
}

export interface Admission {
  allowed: boolean;
  /** Connections open from the address (its group) before this one. */
  open: number;
}

export interface AddressLimits {
  /** Counts a new connection from `ip` unless its group has the maximum open already. */
  acquire(ip: string): Promise<Admission>;
  /** The connection counted by an allowed acquire(ip) closed. */
  release(ip: string): void;
  /** Counts a registration from `ip`; false when its group had the maximum in the last minute. */
  registrationAllowed(ip: string): Promise<boolean>;
  close(): Promise<void>;
}

export const REGISTRATION_WINDOW = 60_000;

/** Limits of one process. */
export class MemoryAddressLimits implements AddressLimits {
  private readonly open = new Map<string, number>();
  private readonly registrations: WindowCounter;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(private readonly options: AddressLimitsOptions) {
    this.registrations = new WindowCounter(options.maxRegistrationsPerMinute, REGISTRATION_WINDOW);
    this.sweepTimer = setInterval(() => this.registrations.sweep(), REGISTRATION_WINDOW);
    this.sweepTimer.unref();
  }

  private key(ip: string): string {
    return limitKey(ip, this.options.ipv6PrefixLength);
  }

  async acquire(ip: string): Promise<Admission> {
    const key = this.key(ip);
    const open = this.open.get(key) ?? 0;
    if (open >= this.options.maxConnectionsPerIp) return { allowed: false, open };
    this.open.set(key, open + 1);
    return { allowed: true, open };
  }

  release(ip: string): void {
    const key = this.key(ip);
    const n = (this.open.get(key) ?? 1) - 1;
    if (n <= 0) this.open.delete(key);
    else this.open.set(key, n);
  }

  async registrationAllowed(ip: string): Promise<boolean> {
    return this.registrations.hit(this.key(ip));
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
  }
}
