// Per-address limits counted in Redis, shared by every node on the same Redis (see
// address-limits.ts for the contract). Each call is one script (src/limits/lua/), atomic
// against every other node, with a bounded cost:
//   P ipconn:<group>  hash   node id -> connections that node holds from the group; expires
//                            CONNECTION_KEY_TTL after the group's last new connection
//   P ipreg:<group>   zset   registration times of the group in the last minute (at most the
//                            limit); expires after a minute without registrations
//   P nodes           zset   node id -> alive until; a node's heartbeat every HEARTBEAT_INTERVAL
// A node that dies leaves its counts behind; they stop counting once its heartbeat lapses
// (NODE_TTL), and are dropped by the next acquire that meets them.
// When Redis cannot be asked, admission fails open (logged): the store is unavailable then
// anyway, and refusing every widget would turn a Redis blip into an outage.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';
import { closeRedis, createRedis } from '../store/redis/connection.js';
import { REGISTRATION_WINDOW, type AddressLimits, type AddressLimitsOptions, type Admission } from './address-limits.js';
import { limitKey } from './client-ip.js';
import { loadLua } from './lua.js';

export const HEARTBEAT_INTERVAL = 10_000;
export const NODE_TTL = 30_000;
export const CONNECTION_KEY_TTL = 24 * 3600_000;

const SCRIPTS = {
  wgConnAcquire: loadLua('connection-acquire.lua'),
  wgConnRelease: loadLua('connection-release.lua'),
  wgRegistrationHit: loadLua('registration-hit.lua'),
  wgHeartbeat: loadLua('heartbeat.lua'),
};
type Scripted = Redis & Record<keyof typeof SCRIPTS, (...args: (string | number)[]) => Promise<number>>;

export interface RedisLimitsStats {
  /** Connections this node counted in Redis and has not released yet. */
  counted: number;
  /** Admissions let through because Redis could not be asked. */
  failedOpen: number;
}

export class RedisAddressLimits implements AddressLimits {
  readonly nodeId = randomBytes(6).toString('hex');
  private readonly redis: Scripted;
  /** Per group: connections counted in Redis by this node (only those are released there). */
  private readonly counted = new Map<string, number>();
  private hits = 0;
  private failedOpen = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly options: AddressLimitsOptions,
    private readonly log: Logger,
    private readonly timing = { heartbeatInterval: HEARTBEAT_INTERVAL, nodeTtl: NODE_TTL },
  ) {
    this.redis = createRedis(url) as Scripted;
    this.redis.on('error', (err: Error) => this.log.debug({ err: err.message }, 'redis limits connection error'));
    for (const [name, script] of Object.entries(SCRIPTS)) this.redis.defineCommand(name, script);
  }

  async start(): Promise<void> {
    await this.redis.connect();
    await this.heartbeat();
    this.heartbeatTimer = setInterval(
      () => void this.heartbeat().catch((err: Error) => this.log.warn({ err: err.message }, 'limits heartbeat failed')),
      this.timing.heartbeatInterval,
    );
    this.heartbeatTimer.unref();
  }

  private heartbeat(): Promise<number> {
    return this.redis.wgHeartbeat(this.prefix + 'nodes', this.nodeId, this.timing.nodeTtl);
  }

  private group(ip: string): string {
    return limitKey(ip, this.options.ipv6PrefixLength);
  }

  async acquire(ip: string): Promise<Admission> {
    const group = this.group(ip);
    let r: number;
    try {
      r = Number(
        await this.redis.wgConnAcquire(
          `${this.prefix}ipconn:${group}`,
          this.prefix + 'nodes',
          this.nodeId,
          this.options.maxConnectionsPerIp,
          CONNECTION_KEY_TTL,
        ),
      );
    } catch (err) {
      this.failedOpen++;
      this.log.warn({ err: (err as Error).message, group }, 'per-address connection limit not checked (Redis unavailable); admitted');
      return { allowed: true, open: 0 };
    }
    if (r < 0) return { allowed: false, open: -r - 1 };
    this.counted.set(group, (this.counted.get(group) ?? 0) + 1);
    return { allowed: true, open: r };
  }

  release(ip: string): void {
    const group = this.group(ip);
    const n = this.counted.get(group) ?? 0;
    if (n === 0) return; // admitted without Redis: nothing to give back there
    if (n === 1) this.counted.delete(group);
    else this.counted.set(group, n - 1);
    this.redis.wgConnRelease(`${this.prefix}ipconn:${group}`, this.nodeId).catch((err: Error) => {
      this.log.warn({ err: err.message, group }, 'per-address connection release failed; the count stays until this node restarts');
    });
  }

  async registrationAllowed(ip: string): Promise<boolean> {
    const group = this.group(ip);
    try {
      const r = await this.redis.wgRegistrationHit(
        `${this.prefix}ipreg:${group}`,
        this.options.maxRegistrationsPerMinute,
        REGISTRATION_WINDOW,
        `${this.nodeId}:${++this.hits}`,
      );
      return Number(r) === 1;
    } catch (err) {
      this.failedOpen++;
      this.log.warn({ err: (err as Error).message, group }, 'per-address registration limit not checked (Redis unavailable); admitted');
      return true;
    }
  }

  stats(): RedisLimitsStats {
    let counted = 0;
    for (const n of this.counted.values()) counted += n;
    return { counted, failedOpen: this.failedOpen };
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    if (this.redis.status === 'ready') await this.redis.zrem(this.prefix + 'nodes', this.nodeId).catch(() => 0);
    await closeRedis(this.redis);
  }
}
