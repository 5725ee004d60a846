// A Sentinel-managed Redis for tests: one primary, replicas, and sentinels, all real processes on
// free ports of 127.0.0.1. Sentinels run from Debian's `redis-sentinel` (REDIS_SENTINEL_BIN
// overrides it); without that binary `redis-server <conf> --sentinel` is the same program.
// Failover timings are small (down-after 3 s, failover-timeout 5 s), so a failover takes a few
// seconds; 3 s rather than 1 s so that a primary starved of CPU on a loaded test machine is not
// mistaken for a dead one (a second, spurious failover to a replica still syncing).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { tempDir } from './gateway.js';
import { freePort, startRedisServer, type RedisServer } from './redis-server.js';

export const MASTER_NAME = 'wgmaster';
export const DOWN_AFTER_MS = 3_000;
export const FAILOVER_TIMEOUT_MS = 5_000;

export interface Sentinel {
  port: number;
  stop(): Promise<void>;
}

function sentinelCommand(): { bin: string; args: string[] } {
  const explicit = process.env.REDIS_SENTINEL_BIN;
  if (explicit) return { bin: explicit, args: [] };
  const found = spawnSync('sh', ['-c', 'command -v redis-sentinel'], { encoding: 'utf8' });
  if (found.status === 0 && found.stdout.trim() !== '') return { bin: found.stdout.trim(), args: [] };
  return { bin: process.env.REDIS_SERVER_BIN ?? 'redis-server', args: ['--sentinel'] };
}

export async function startSentinel(primaryPort: number, quorum: number): Promise<Sentinel> {
  const port = await freePort();
  const dir = tempDir('wg-sentinel-');
  const conf = join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file (it must be writable): one per sentinel.
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primaryPort} ${quorum}`,
      `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
      `sentinel failover-timeout ${MASTER_NAME} ${FAILOVER_TIMEOUT_MS}`,
      `sentinel parallel-syncs ${MASTER_NAME} 1`,
      '',
    ].join('\n'),
  );
  const { bin, args } = sentinelCommand();
  const child: ChildProcess = spawn(bin, [conf, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (c: Buffer) => (output = (output + c.toString()).slice(-4000));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => {});
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sentinel exited (${child.exitCode}):\n${output}`);
    try {
      if (probe.status !== 'ready') await probe.connect();
      const addr = (await probe.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME)) as string[] | null;
      if (addr) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sentinel on ${port} did not come up:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  probe.disconnect();
  return {
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
      process.removeListener('exit', killOnExit);
    },
  };
}

export interface SentinelGroup {
  /** redis+sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3/wgmaster */
  url: string;
  servers: RedisServer[];
  sentinels: Sentinel[];
  /** The port the sentinels name as primary now. */
  primaryPort(): Promise<number>;
  /** The server the sentinels name as primary now. */
  primary(): Promise<RedisServer>;
  /** Resolves once the sentinels name a primary other than `oldPort`, with the time it took. */
  waitForFailover(oldPort: number, timeoutMs?: number): Promise<number>;
  /** Resolves once the primary reports `n` connected replicas in sync. */
  waitForReplicas(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSentinelGroup(options: { replicas?: number; sentinels?: number } = {}): Promise<SentinelGroup> {
  const primary = await startRedisServer();
  const servers = [primary];
  for (let i = 0; i < (options.replicas ?? 1); i++) servers.push(await startRedisServer({ replicaOf: primary.port }));
  const count = options.sentinels ?? 3;
  const sentinels = await Promise.all(Array.from({ length: count }, () => startSentinel(primary.port, Math.floor(count / 2) + 1)));
  const ask = new Redis({ host: '127.0.0.1', port: sentinels[0]!.port, lazyConnect: true, maxRetriesPerRequest: 1 });
  ask.on('error', () => {});
  await ask.connect();
  const group: SentinelGroup = {
    url: `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${MASTER_NAME}`,
    servers,
    sentinels,
    async primaryPort() {
      const addr = (await ask.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME)) as [string, string];
      return Number(addr[1]);
    },
    async primary() {
      const port = await group.primaryPort();
      const s = servers.find((x) => x.port === port);
      if (!s) throw new Error(`the sentinels name port ${port}, which this group did not start`);
      return s;
    },
    async waitForFailover(oldPort, timeoutMs = 30_000) {
      const started = Date.now();
      while (Date.now() - started < timeoutMs) {
        if ((await group.primaryPort().catch(() => oldPort)) !== oldPort) return Date.now() - started;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no failover away from ${oldPort} within ${timeoutMs} ms`);
    },
    async waitForReplicas(n, timeoutMs = 30_000) {
      const started = Date.now();
      const c = new Redis({ host: '127.0.0.1', port: await group.primaryPort(), lazyConnect: true, maxRetriesPerRequest: 1 });
      c.on('error', () => {});
      try {
        await c.connect();
        while (Date.now() - started < timeoutMs) {
          const info = await c.info('replication');
          const online = [...info.matchAll(/^slave\d+:.*state=online/gm)].length;
          if (online >= n) return;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`the primary did not get ${n} replicas online within ${timeoutMs} ms`);
      } finally {
        c.disconnect();
      }
    },
    async stop() {
      ask.disconnect();
      await Promise.all(sentinels.map((s) => s.stop()));
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
  await group.waitForReplicas(options.replicas ?? 1);
  return group;
}
