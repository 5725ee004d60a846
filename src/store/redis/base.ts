// The Redis store's connection, key names and Lua scripts, which the roles built on this class
// use (messages.ts, outbox.ts, admin.ts, store.ts). Key layout: store.ts.
import type { ChainableCommander, Redis } from 'ioredis';
import type { Lifecycle } from '../roles.js';
import { closeRedis, createRedis } from './connection.js';
import { loadLua } from './lua.js';

const LUA = new URL('./lua/', import.meta.url);
const STORES_MESSAGE = ['message-member.lua'];
const REINDEXES = ['reindex-head.lua'];

// Every operation that changes more than one key, or reads then writes, is one of these scripts,
// so it is atomic against every other process. defineCommand sends EVALSHA and falls back to EVAL
// when the server lacks the script (e.g. after a restart or SCRIPT FLUSH).
const SCRIPTS = {
  wgCreateSession: loadLua(LUA, 'create-session.lua'),
  wgAppendInbound: loadLua(LUA, 'append-inbound.lua', [...STORES_MESSAGE, 'append-in.lua']),
  wgAppendInboundOnce: loadLua(LUA, 'append-inbound-once.lua', [...STORES_MESSAGE, 'append-in.lua']),
  wgAppendOutbound: loadLua(LUA, 'append-outbound.lua', STORES_MESSAGE),
  wgAdvanceDelivered: loadLua(LUA, 'advance-delivered.lua'),
  wgClaimOutbox: loadLua(LUA, 'claim-outbox.lua'),
  wgCompleteOutbox: loadLua(LUA, 'complete-outbox.lua', REINDEXES),
  wgRetryOutbox: loadLua(LUA, 'retry-outbox.lua'),
  wgFailOutbox: loadLua(LUA, 'fail-outbox.lua', REINDEXES),
  wgDeleteSession: loadLua(LUA, 'delete-session.lua'),
  wgPutSessionValue: loadLua(LUA, 'put-session-value.lua'),
  wgClearSessionValue: loadLua(LUA, 'clear-session-value.lua'),
  wgPruneSession: loadLua(LUA, 'prune-session.lua'),
  wgTakeExpired: loadLua(LUA, 'take-expired.lua'),
  wgPruneFailed: loadLua(LUA, 'prune-failed.lua'),
  wgAdminSummary: loadLua(LUA, 'admin-summary.lua'),
  wgAdminOldest: loadLua(LUA, 'admin-oldest.lua'),
  wgAdminRequeue: loadLua(LUA, 'admin-requeue.lua'),
};

type ScriptName = keyof typeof SCRIPTS;
type Scripts<R> = Record<ScriptName, (...args: (string | number)[]) => R>;

export interface RedisStoreOptions {
  prefix?: string | undefined;
}

export class RedisBase implements Lifecycle {
  protected readonly redis: Redis & Scripts<Promise<unknown>>;
  protected readonly p: string;

  constructor(url: string, opts: RedisStoreOptions = {}) {
    this.p = opts.prefix ?? 'wg:';
    // Connection behaviour (fail fast, reconnect, follow Sentinel failovers): connection.ts.
    this.redis = createRedis(url) as Redis & Scripts<Promise<unknown>>;
    this.redis.on('error', () => {}); // reconnects by itself; failures surface on commands
    for (const [name, script] of Object.entries(SCRIPTS)) this.redis.defineCommand(name, script);
  }

  async init(): Promise<void> {
    if (this.redis.status === 'wait') await this.redis.connect();
    await this.redis.ping();
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }

  /**
   * WAIT: blocks until `replicas` replicas hold every write this connection made so far, or
   * `timeoutMs` passed; returns how many do. (See replica-ack.ts, which shares one WAIT among
   * the writes that finished before it was sent.)
   */
  async waitForReplicas(replicas: number, timeoutMs: number): Promise<number> {
    return Number(await this.redis.call('WAIT', replicas, timeoutMs));
  }

  /** A pipeline that also knows the scripts (defineCommand adds them to pipelines too). */
  protected pipeline(): ChainableCommander & Scripts<ChainableCommander> {
    return this.redis.pipeline() as ChainableCommander & Scripts<ChainableCommander>;
  }

  protected k(name: string): string {
    return this.p + name;
  }

  /** The keys of one session (see the key layout in store.ts). */
  protected sessionKeys(urn: string) {
    return {
      session: this.k(`session:${urn}`),
      msgs: this.k(`msgs:${urn}`),
      msgtime: this.k(`msgtime:${urn}`),
      outids: this.k(`outids:${urn}`),
      queue: this.k(`queue:${urn}`),
      failedof: this.k(`failedof:${urn}`),
      cids: this.k(`cids:${urn}`),
      sval: this.k(`sval:${urn}`),
    };
  }
}
