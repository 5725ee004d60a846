// Benchmark entry: `npm run bench` (= build + node dist/bench/run.js).
//   --quick            ~1 minute smoke: 1,000 sessions, 3 s phases, no 10k, no profile
//   --sessions=N[,M]   session counts (default 1000,10000)
//   --duration=S       seconds per load phase (default 10)
//   --targets=a,b      subset of memory,sqlite,wwc,redis,redis3,redisack,redis3ack,bare,ceiling
//                      (redisack / redis3ack: REDIS_MIN_REPLICAS_ACK=1 with one replica on loopback;
//                      wwc: WWC clients and courier's WWC channel, PLATFORM_CHANNEL_TYPE=wwc, SQLite)
//   --procs=P          load-generator processes for >= 5,000 sessions (default 2)
//   --profile / --no-profile   CPU profiles of the gateway under each direction of load (full run: on)
//   --profile-store=S  store of the profiled gateway: memory or sqlite (default sqlite)
//   --profile-sessions=N  widgets connected while profiling (default: the smallest of --sessions, 1,000)
//   --rounds=R         runs of each target at 1,000 sessions, interleaved; the median row is kept
//                      (default 3, 1 with --quick); other sizes run once
//   --gateway-env=K=V;K=V  extra environment for every gateway process (experiments)
//   --no-write         do not write bench/RESULTS.md
// The orchestrator (this process) runs the platform stand-in and the webhook poster; widgets live
// in separate load-generator children (load.ts); each system under test is its own child.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { CourierWwcStandIn } from '../test/helpers/courier-wwc.js';
import { PlatformStandIn } from '../test/helpers/platform.js';
import { machineInfo, ratioTable, resultsTable, wwcTable, writeResults, type Row } from './report.js';
import { WWC_BENCH_CHANNEL } from './wwc-load.js';
import { profileMarkdown, summarizeProfile } from './profile.js';
import { BENCH_TOKEN, LOAD_LIMITS, startBareRelay, startGateway, startGatewayCluster, startHttpCeiling, type Target } from './targets.js';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server.js';
import { cpuMs, NOFILE, now, rssKiB, sleep, summarize, waitExit } from './util.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const quick = args.has('quick');
const sessionsList = (args.get('sessions') ?? (quick ? '1000' : '1000,10000')).split(',').map(Number);
const durationMs = Number(args.get('duration') ?? (quick ? 3 : 10)) * 1000;
const targetsWanted = new Set((args.get('targets') ?? 'memory,sqlite,wwc,redis,redis3,redisack,bare,ceiling').split(','));
const procsForLarge = Number(args.get('procs') ?? 2);
const doProfile = args.has('profile') || (!quick && !args.has('no-profile'));
const gatewayEnv: Record<string, string> = Object.fromEntries(
  (args.get('gateway-env') ?? '')
    .split(';')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
const rounds = Number(args.get('rounds') ?? (quick ? 1 : 3));
const IN_FLIGHT = Number(args.get('inflight') ?? 64);
const W2P_WINDOW = Number(args.get('window') ?? 512);
const DRAIN_MS = 10_000;
const log = (...a: unknown[]): void => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

// ---- load-generator children -------------------------------------------------------------
class Generator {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private constructor(readonly child: ChildProcess) {
    child.on('message', (m: any) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
    });
    child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`load generator exited (${code})`));
      this.pending.clear();
    });
  }

  static async start(): Promise<Generator> {
    const child = fork(new URL('./load.js', import.meta.url).pathname, [], {
      execArgv: ['--max-old-space-size=4096'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (c) => reject(new Error(`load generator exited (${c}) at start`)));
    });
    return new Generator(child);
  }

  call<T = any>(cmd: string, extra: Record<string, unknown> = {}, timeoutMs = 300_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${cmd} timed out`)), timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(t), resolve(v)),
        reject: (e) => (clearTimeout(t), reject(e)),
      });
      this.child.send({ id, cmd, ...extra });
    });
  }

  fire(cmd: string, extra: Record<string, unknown>): void {
    this.child.send({ cmd, ...extra });
  }

  async stop(): Promise<void> {
    this.child.disconnect();
    await waitExit(this.child, 10_000);
  }
}

// ---- platform -> widget: webhook poster -----------------------------------------------------
async function postWebhooks(
  urlOrUrls: string | string[],
  urns: string[],
  ms: number,
  wwc = false,
): Promise<{ accepted: number; errors: number; firstSend: number; postMs: number; firstError?: string }> {
  const urls = Array.isArray(urlOrUrls) ? urlOrUrls : [urlOrUrls];
  const pools = urls.map((u) => new Pool(u, { connections: Math.ceil(IN_FLIGHT / urls.length), pipelining: 1, keepAliveTimeout: 60_000 }));
  let accepted = 0;
  let errors = 0;
  let firstError: string | undefined;
  let i = 0;
  const tag = Math.random().toString(36).slice(2, 8); // ids unique across phases on one gateway
  const start = now();
  const deadline = start + ms;
  const worker = async (): Promise<void> => {
    while (now() < deadline) {
      const n = i++;
      const to = urns.length ? urns[n % urns.length]! : `u${n}`;
      // Like courier: every message carries the platform's id (WWC channel: the Idempotency-Key
      // header; its body as courier's WWC sender writes it, the post time in the text).
      const t = now();
      const body = wwc
        ? `{"type":"message","to":${JSON.stringify(to)},"from":"bench","channel_uuid":"${WWC_BENCH_CHANNEL}","message":{"type":"text","timestamp":"${Math.floor(Date.now() / 1000)}","text":"bench ${t}"}}`
        : `{"id":"b${tag}-${n}","to":${JSON.stringify(to)},"text":"bench","sent_at":${t}}`;
      try {
        const r = await pools[n % pools.length]!.request({
          method: 'POST',
          path: '/send',
          headers: { 'content-type': 'application/json', authorization: BENCH_TOKEN, ...(wwc ? { 'idempotency-key': `b${tag}-${n}` } : {}) },
          body,
        });
        const text = await r.body.text();
        if (r.statusCode === 200) accepted++;
        else {
          errors++;
          firstError ??= `${r.statusCode} ${text.slice(0, 200)}`;
        }
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
        await sleep(5);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const postMs = now() - start;
  await Promise.all(pools.map((p) => p.close()));
  return { accepted, errors, firstSend: start, postMs, ...(firstError ? { firstError } : {}) };
}

async function gatherStats(gens: Generator[], withLatencies: boolean) {
  const all = await Promise.all(gens.map((g) => g.call('stats', { withLatencies })));
  return {
    received: all.reduce((a, s) => a + s.received, 0),
    emitted: all.reduce((a, s) => a + s.emitted, 0),
    lastRecv: Math.max(...all.map((s) => s.lastRecv)),
    open: all.reduce((a, s) => a + s.open, 0),
    latencies: all.flatMap((s) => s.latencies as number[]),
  };
}

async function platformToWidget(target: Target, gens: Generator[], urns: string[], wwc = false): Promise<NonNullable<Row['p2w']>> {
  await Promise.all(gens.map((g) => g.call('reset')));
  const cpu = (): number => target.pids.reduce((a, pid) => a + cpuMs(pid), 0);
  const cpuStart = cpu();
  const post = await postWebhooks(target.urls ?? target.url, urns, durationMs, wwc);
  // Drain: wait until every accepted message arrived, or DRAIN_MS.
  const drainEnd = now() + DRAIN_MS;
  let s = await gatherStats(gens, false);
  while (s.received < post.accepted && now() < drainEnd) {
    await sleep(200);
    s = await gatherStats(gens, false);
  }
  s = await gatherStats(gens, true);
  // Includes the idle tail of the drain wait: keep-alive only, well under a tick per 200 ms.
  const cpuUsed = cpu() - cpuStart;
  const span = (s.lastRecv || now()) - post.firstSend;
  return {
    accepted: post.accepted,
    errors: post.errors,
    postRate: (post.accepted * 1000) / post.postMs,
    delivered: s.received,
    deliveredRate: (s.received * 1000) / span,
    lat: summarize(s.latencies),
    firstError: post.firstError,
    cpuUsPerMsg: s.received ? (cpuUsed * 1000) / s.received : NaN,
  };
}

// ---- widget -> platform: closed loop with W2P_WINDOW messages outstanding -------------------
async function widgetToPlatform(
  target: Target,
  standIn: { received: unknown[] },
  gens: Generator[],
  lat: number[],
  counter: { n: number; last: number },
): Promise<NonNullable<Row['w2p']>> {
  const cpu = (): number => target.pids.reduce((a, pid) => a + cpuMs(pid), 0);
  lat.length = 0;
  counter.n = 0;
  counter.last = 0;
  standIn.received.length = 0;
  await Promise.all(gens.map((g) => g.call('reset')));
  let sent = 0;
  const cpuStart = cpu();
  const start = now();
  const deadline = start + durationMs;
  while (now() < deadline) {
    const deficit = W2P_WINDOW - (sent - counter.n);
    if (deficit > 0) {
      const per = Math.ceil(deficit / gens.length);
      for (const g of gens) g.fire('emit', { n: per });
      sent += per * gens.length;
    }
    await sleep(2);
    standIn.received.length = 0;
  }
  const s0 = await gatherStats(gens, false);
  const drainEnd = now() + DRAIN_MS;
  while (counter.n < s0.emitted && now() < drainEnd) await sleep(100);
  const cpuUsed = cpu() - cpuStart;
  const span = (counter.last || now()) - start;
  standIn.received.length = 0;
  return {
    emitted: s0.emitted,
    forwarded: counter.n,
    rate: (counter.n * 1000) / span,
    lat: summarize(lat),
    cpuUsPerMsg: counter.n ? (cpuUsed * 1000) / counter.n : NaN,
  };
}

// ---- one system under test with N sessions -------------------------------------------------
/** WWC sessions instead of SocketCluster widgets: their callback names the platform (courier's WWC stand-in). */
interface WwcLoad {
  callbackBase: string;
}

async function connectAll(target: Target, n: number, wwc?: WwcLoad): Promise<{ gens: Generator[]; urns: string[]; connect: NonNullable<Row['connect']> }> {
  const procs = n >= 5000 ? procsForLarge : 1;
  const gens = await Promise.all(Array.from({ length: procs }, () => Generator.start()));
  const parts = gens.map((_, i) => Math.floor(n / procs) + (i < n % procs ? 1 : 0));
  const kind = wwc ? { protocol: 'wwc', callbackBase: wwc.callbackBase } : {};
  const res = await Promise.all(gens.map((g, i) => g.call('connect', { port: target.port, ports: target.ports, count: parts[i], concurrency: 200, ...kind })));
  return {
    gens,
    urns: res.flatMap((r) => r.urns as string[]),
    connect: {
      ms: Math.max(...res.map((r) => r.ms)),
      registered: res.reduce((a, r) => a + r.registered, 0),
      failed: res.reduce((a, r) => a + r.failed, 0),
      firstError: res.find((r) => r.firstError)?.firstError,
    },
  };
}

async function runTarget(
  name: string,
  start: () => Promise<Target>,
  n: number,
  standIn: { received: unknown[] },
  lat: number[],
  counter: { n: number; last: number },
  wwc?: WwcLoad,
): Promise<Row> {
  const row: Row = { target: name, sessions: n, notes: [] };
  const target = await start();
  let gens: Generator[] = [];
  try {
    await sleep(1000);
    row.rssBeforeKiB = rssKiB(target.pid);
    log(`${name} N=${n}: connecting`);
    const c = await connectAll(target, n, wwc);
    gens = c.gens;
    row.connect = c.connect;
    if (c.connect.firstError) row.notes.push(`connect: ${c.connect.failed} failed, first error: ${c.connect.firstError}`);
    await sleep(2000);
    row.rssAfterKiB = rssKiB(target.pid);
    log(
      `${name} N=${n}: ${c.connect.registered} registered in ${(c.connect.ms / 1000).toFixed(1)} s; RSS ${row.rssBeforeKiB} -> ${row.rssAfterKiB} KiB; platform->widget`,
    );
    row.p2w = await platformToWidget(target, gens, c.urns, wwc !== undefined);
    if (row.p2w.errors) row.notes.push(`webhook: ${row.p2w.errors} errors, first: ${row.p2w.firstError}`);
    if (row.p2w.delivered < row.p2w.accepted)
      row.notes.push(
        `p→w: ${row.p2w.accepted - row.p2w.delivered} of ${row.p2w.accepted} accepted messages not received within ${DRAIN_MS / 1000} s of the end`,
      );
    log(
      `${name} N=${n}: p->w ${row.p2w.postRate.toFixed(0)} posts/s, ${row.p2w.deliveredRate.toFixed(0)} delivered/s, p99 ${row.p2w.lat.p99.toFixed(1)} ms; widget->platform`,
    );
    row.w2p = await widgetToPlatform(target, standIn, gens, lat, counter);
    if (row.w2p.forwarded < row.w2p.emitted)
      row.notes.push(`w→p: ${row.w2p.emitted - row.w2p.forwarded} of ${row.w2p.emitted} emitted not forwarded within ${DRAIN_MS / 1000} s of the end`);
    row.rssEndKiB = rssKiB(target.pid);
    const st = await gatherStats(gens, false);
    if (st.open < c.connect.registered) row.notes.push(`${c.connect.registered - st.open} widget sockets closed during the run`);
    log(`${name} N=${n}: w->p ${row.w2p.rate.toFixed(0)}/s, p99 ${row.w2p.lat.p99.toFixed(1)} ms`);
  } catch (err) {
    row.notes.push(`failed: ${(err as Error).message.split('\n')[0]}`);
    log(`${name} N=${n} failed`, err, target.output());
  } finally {
    await Promise.all(gens.map((g) => g.stop()));
    await target.stop();
  }
  return row;
}

async function runCeiling(): Promise<Row> {
  const target = await startHttpCeiling();
  try {
    const post = await postWebhooks(target.url, [], durationMs);
    return {
      target: 'http ceiling',
      sessions: 0,
      p2w: {
        accepted: post.accepted,
        errors: post.errors,
        postRate: (post.accepted * 1000) / post.postMs,
        delivered: NaN,
        deliveredRate: NaN,
        lat: summarize([]),
      },
      notes: [],
    };
  } finally {
    await target.stop();
  }
}

/**
 * A CPU profile of one gateway under one direction of load (a process of its own each, so the
 * profile's window is simply its last part).
 */
async function runProfile(
  direction: 'p2w' | 'w2p',
  standIn: PlatformStandIn,
  n: number,
  dbDir: string,
  lat: number[],
  counter: { n: number; last: number },
): Promise<string> {
  const dir = mkdtempSync(join(os.tmpdir(), 'wg-bench-prof-'));
  const store = args.get('profile-store') ?? 'sqlite';
  const storeUrl = store === 'sqlite' ? `sqlite:${join(dbDir, `profile-${direction}.db`)}` : 'memory:';
  const target = await startGateway({ storeUrl, platformUrl: standIn.url, env: gatewayEnv, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  let gens: Generator[] = [];
  let rate: string;
  let loadStart: number;
  try {
    const c = await connectAll(target, n);
    gens = c.gens;
    await sleep(1000);
    loadStart = now();
    if (direction === 'p2w') {
      const r = await platformToWidget(target, gens, c.urns);
      rate = `${durationMs / 1000} s of webhooks at ${r.postRate.toFixed(0)}/s (${r.deliveredRate.toFixed(0)} delivered/s; the profiler slows it) plus drain and shutdown`;
    } else {
      const r = await widgetToPlatform(target, standIn, gens, lat, counter);
      rate = `${durationMs / 1000} s of sendMessageToChannel, ${W2P_WINDOW} outstanding, ${r.rate.toFixed(0)} forwarded/s (the profiler slows it) plus drain and shutdown`;
    }
    await target.stop(); // ends the profile; widgets are still connected
  } finally {
    await target.stop();
    await Promise.all(gens.map((g) => g.stop()));
  }
  const loadMs = now() - loadStart;
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return `No profile written in ${dir}.`;
  const path = join(dir, file);
  const load = summarizeProfile(path, 25, { part: 'last', ms: loadMs });
  const connect = summarizeProfile(path, 12, { part: 'before', ms: loadMs });
  rmSync(dir, { recursive: true, force: true });
  const context = `Gateway (${store} store), ${n.toLocaleString('en-US')} widgets connected, ${rate}.`;
  if (direction === 'w2p') return '### Under widget → platform load\n\n' + profileMarkdown(load, context);
  return [
    '### Under platform → widget load\n\n' + profileMarkdown(load, context),
    '### While connecting and registering the widgets\n\n' +
      profileMarkdown(connect, `Same process, from start until the load began (${n.toLocaleString('en-US')} connect + registerUser + subscribe).`),
  ].join('\n\n');
}

/** A primary and one replica in sync, on loopback, without persistence. */
async function startReplicatedRedis(): Promise<{ primary: RedisServer; replica: RedisServer }> {
  const primary = await startRedisServer();
  const replica = await startRedisServer({ replicaOf: primary.port });
  const { Redis } = await import('ioredis');
  const c = new Redis(primary.url);
  try {
    for (let i = 0; i < 200 && !/^slave0:.*state=online/m.test(await c.info('replication')); i++) await sleep(50);
  } finally {
    c.disconnect();
  }
  return { primary, replica };
}

/** The run with the median delivered/s (the lower middle for an even count), with all rounds' rates. */
function medianRow(runs: Row[]): Row {
  const rate = (r: Row): number => r.p2w?.deliveredRate ?? -1;
  const sorted = [...runs].sort((a, b) => rate(a) - rate(b));
  const mid = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return { ...mid, ...(runs.length > 1 ? { rounds: runs.map(rate) } : {}), notes: runs.flatMap((r) => r.notes) };
}

async function main(): Promise<void> {
  const started = now();
  const standIn = await new PlatformStandIn().start();
  const lat: number[] = [];
  const counter = { n: 0, last: 0 };
  standIn.responder = (_req, form) => {
    const text = form.get('text');
    if (text?.startsWith('bench:')) {
      const t = now();
      counter.n++;
      counter.last = t;
      lat.push(t - Number(text.slice(6)));
    }
    return undefined;
  };
  // Courier's WWC channel for the WWC rows: JSON {type, from, message:{text: "bench:<ms>"}}.
  const wwcStandIn = await new CourierWwcStandIn().start();
  wwcStandIn.responder = (body: { message?: { text?: unknown } }) => {
    const text = body.message?.text;
    if (typeof text === 'string' && text.startsWith('bench:')) {
      const t = now();
      counter.n++;
      counter.last = t;
      lat.push(t - Number(text.slice(6)));
    }
    return undefined;
  };
  const loadAtStart = os.loadavg();
  const dbDir = mkdtempSync(join(os.tmpdir(), 'wg-bench-db-'));
  const rows: Row[] = [];
  try {
    if (targetsWanted.has('ceiling')) {
      log('http ceiling');
      rows.push(await runCeiling());
    }
    for (const n of sessionsList) {
      // Rounds interleave the targets (A B C A B C ...) so a slow spell of the machine does not
      // land on one target only; each target's median round is reported.
      const R = n <= 1000 ? Math.max(1, rounds) : 1;
      const byTarget = new Map<string, Row[]>();
      const add = (r: Row): void => {
        if (!byTarget.has(r.target)) byTarget.set(r.target, []);
        byTarget.get(r.target)!.push(r);
      };
      const gateway = (storeUrl: string) => () => startGateway({ storeUrl, platformUrl: standIn.url, env: gatewayEnv });
      for (let round = 1; round <= R; round++) {
        if (R > 1) log(`N=${n}: round ${round} of ${R}`);
        if (targetsWanted.has('bare')) add(await runTarget('bare relay', () => startBareRelay(standIn.url), n, standIn, lat, counter));
        if (targetsWanted.has('memory')) add(await runTarget('gateway memory', gateway('memory:'), n, standIn, lat, counter));
        if (targetsWanted.has('sqlite')) {
          const db = join(dbDir, `bench-${n}-${round}.db`);
          add(await runTarget('gateway sqlite', gateway(`sqlite:${db}`), n, standIn, lat, counter));
        }
        if (targetsWanted.has('wwc')) {
          const db = join(dbDir, `bench-wwc-${n}-${round}.db`);
          const start = () => startGateway({ storeUrl: `sqlite:${db}`, platformUrl: wwcStandIn.url, env: { ...gatewayEnv, PLATFORM_CHANNEL_TYPE: 'wwc' } });
          add(await runTarget('gateway wwc sqlite', start, n, wwcStandIn, lat, counter, { callbackBase: wwcStandIn.url }));
        }
        if (targetsWanted.has('redis') || targetsWanted.has('redis3')) {
          // A private redis-server on a free port, without persistence (as the tests run it).
          const redis: RedisServer = await startRedisServer();
          try {
            if (targetsWanted.has('redis')) add(await runTarget('gateway redis', gateway(redis.url), n, standIn, lat, counter));
            if (targetsWanted.has('redis3'))
              add(
                await runTarget(
                  'gateway redis x3',
                  () => startGatewayCluster(3, { storeUrl: redis.url, platformUrl: standIn.url, env: gatewayEnv }),
                  n,
                  standIn,
                  lat,
                  counter,
                ),
              );
          } finally {
            await redis.stop();
          }
        }
        if (targetsWanted.has('redisack') || targetsWanted.has('redis3ack')) {
          // REDIS_MIN_REPLICAS_ACK=1: every acknowledged write waits for one replica (WAIT).
          const { primary, replica } = await startReplicatedRedis();
          const env = { ...gatewayEnv, REDIS_MIN_REPLICAS_ACK: '1' };
          try {
            if (targetsWanted.has('redisack'))
              add(
                await runTarget('gateway redis ack1', () => startGateway({ storeUrl: primary.url, platformUrl: standIn.url, env }), n, standIn, lat, counter),
              );
            if (targetsWanted.has('redis3ack'))
              add(
                await runTarget(
                  'gateway redis x3 ack1',
                  () => startGatewayCluster(3, { storeUrl: primary.url, platformUrl: standIn.url, env }),
                  n,
                  standIn,
                  lat,
                  counter,
                ),
              );
          } finally {
            await replica.stop();
            await primary.stop();
          }
        }
      }
      for (const runs of byTarget.values()) rows.push(medianRow(runs));
    }
    let profile: string | undefined;
    if (doProfile) {
      const n = Number(args.get('profile-sessions') ?? Math.min(...sessionsList));
      log(`cpu profile, ${n} sessions, platform -> widget`);
      const p2w = await runProfile('p2w', standIn, n, dbDir, lat, counter);
      log(`cpu profile, ${n} sessions, widget -> platform`);
      const w2p = await runProfile('w2p', standIn, n, dbDir, lat, counter);
      profile = `${p2w}\n\n${w2p}`;
    }
    const cmd = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
    const loadAtEnd = os.loadavg();
    const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(', ');
    const notes = rows.flatMap((r) => r.notes.map((n) => `- ${r.target} N=${r.sessions}: ${n}`));
    const sections = [
      '# webchat-gateway benchmark',
      `Command: \`${cmd}\` (took ${((now() - started) / 60_000).toFixed(1)} min)`,
      [
        '## Machine',
        ...machineInfo(),
        `- Load average (1, 5, 15 min, as \`uptime\` shows it) at the start: ${load(loadAtStart)}; at the end: ${load(loadAtEnd)}. The machine is shared: rates move with it, CPU per message much less.`,
        `- Open-file limit for children: ulimit -n ${NOFILE} (raised per child via sh)`,
      ].join('\n'),
      [
        '## Method',
        `- Everything on one machine, every box its own process: the system under test; ${procsForLarge > 1 ? `1 load generator (2 for ≥ 5,000 sessions)` : '1 load generator'} holding real socketcluster-client 9.x widgets (multiplex:false, registerUser then subscribe(urn).watch); the orchestrator (webhook poster + platform stand-in).`,
        `- platform → widget: ${IN_FLIGHT} concurrent keep-alive POST /send (undici Pool) for ${durationMs / 1000} s, round-robin over the sessions; JSON body carries \`sent_at\`; latency = widget watch handler time − sent_at (performance.timeOrigin + performance.now() in every process). delivered/s = messages received ÷ (last receive − first send).`,
        `- widget → platform: widgets emit sendMessageToChannel without callback (as widgets do), closed loop with ${W2P_WINDOW} messages not yet at the stand-in, for ${durationMs / 1000} s; latency = stand-in receive − emit time carried in the text.`,
        `- Rounds: at 1,000 sessions each target runs ${rounds} time(s), interleaved (A B C A B C …); the table shows the round with the median delivered/s and, in brackets, every round's delivered/s in run order. 10,000 sessions run once.`,
        '- p→w server CPU µs/msg = CPU time (user + system, all threads, all nodes) of the system under test from the first webhook to the end of the drain ÷ messages delivered. It depends far less on what else the machine does than the rates do.',
        '- RSS KiB / idle widget = (gateway VmRSS 2 s after all widgets registered+subscribed − VmRSS before) ÷ widgets. "after load" = VmRSS at the end of both load phases (stored messages included).',
        `- Gateway env: STORE_URL, WEBHOOK_TOKEN, PLATFORM_URL (stand-in), LOG_LEVEL=warn, and, because all widgets share 127.0.0.1, ${Object.entries(
          LOAD_LIMITS,
        )
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}; everything else default (PING_INTERVAL 8s, RECEIPT_PING_DELAY 1s).`,
        '- bare relay = bench/bare-relay.ts (socketcluster-server 20, protocolVersion 1, no store/checks/guarantees); http ceiling = bench/http-ceiling.ts (200 to every POST).',
        '- gateway wwc sqlite = the WWC front-end and courier\'s WWC channel (PLATFORM_CHANNEL_TYPE=wwc), SQLite: the load generator holds raw `ws` WWC sessions (register, then text messages, as push-webchat and @weni/webchat-service send them; pings answered as browsers do); the webhook poster sends courier WWC bodies (`{type:"message", to, from, channel_uuid, message:{type:"text", timestamp, text}}` with an Idempotency-Key), the post time in the text; visitor messages go as JSON to a courier-WWC stand-in (test/helpers/courier-wwc.ts).',
      ].join('\n'),
      '## Results\n\n' + resultsTable(rows),
      '## Gateway relative to the yardsticks\n\n' + ratioTable(rows),
      ...(rows.some((r) => r.target === 'gateway wwc sqlite') ? ['## WWC beside SocketCluster and weni-webchat-socket\n\n' + wwcTable(rows)] : []),
      ...(notes.length ? ['## Notes from the run\n\n' + notes.join('\n')] : []),
      ...(profile ? ['## CPU profile (self time)\n\n' + profile] : []),
    ];
    const md = sections.join('\n\n');
    console.log(md);
    if (!args.has('no-write')) {
      const out = new URL('../../bench/RESULTS.md', import.meta.url).pathname;
      writeResults(out, sections);
      log(`wrote ${out}`);
    }
  } finally {
    await standIn.stop();
    await wwcStandIn.stop();
    rmSync(dbDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
