// Capacity plan from measured figures (docs/scaling.md). Run under the bench lock:
//   npm run build --silent && flock /tmp/wg-bench.lock node dist/bench/capacity.js [--sessions=2000] [--messages=3000] [--ack=0,1]
//   --plan-widgets=1000000 --plan-rate=10000   the target to plan for (platform messages/s; user messages/s the same)
//   --history=20                               messages kept per session in the plan's Redis memory
//
// For each REDIS_MIN_REPLICAS_ACK value it starts a real redis-server primary with one replica,
// one real gateway process (the CLI, production timings) and N real socketcluster-client 9.x
// widgets, then measures, with Redis's own INFO (commandstats, memory, stats, cpu) reset before
// each phase:
//   - per session: gateway RSS, Redis memory, Redis commands of connect + registerUser + subscribe
//   - idle: gateway CPU and Redis commands per idle widget per second (keep-alive, probes)
//   - per platform message (webhook -> widget) and per user message (widget -> platform):
//     gateway CPU µs, Redis commands, Redis main-thread CPU µs, Redis bytes in / out / to replicas,
//     PUBLISH calls and subscribers per channel
// and prints the plan these figures imply: gateway processes, Redis memory, command rate, CPU and
// network for the target, and what runs out first.
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { V9Widget, waitFor } from '../test/helpers/clients.js';
import { PlatformStandIn } from '../test/helpers/platform.js';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server.js';
import { BENCH_TOKEN, startGateway, type Target } from './targets.js';
import { cpuMs, rssKiB, sleep } from './util.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const SESSIONS = Number(args.get('sessions') ?? 2000);
const MESSAGES = Number(args.get('messages') ?? 3000);
const ACKS = (args.get('ack') ?? '0,1').split(',').map(Number);
const PLAN_WIDGETS = Number(args.get('plan-widgets') ?? 1_000_000);
const PLAN_RATE = Number(args.get('plan-rate') ?? 10_000);
const HISTORY = Number(args.get('history') ?? 20);
const IDLE_MS = 10_000;
const log = (...a: unknown[]): void => console.error(`[capacity ${new Date().toISOString().slice(11, 19)}]`, ...a);

interface RedisSnapshot {
  calls: Map<string, number>;
  usedMemory: number;
  netIn: number;
  netOut: number;
  netReplOut: number;
  cpuMainUs: number;
}

async function snapshot(r: Redis): Promise<RedisSnapshot> {
  const info = await r.info('everything');
  const num = (k: string): number => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  const calls = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1]!, Number(m[2]));
  return {
    calls,
    usedMemory: num('used_memory'),
    netIn: num('total_net_input_bytes'),
    netOut: num('total_net_output_bytes'),
    netReplOut: num('total_net_repl_output_bytes'),
    cpuMainUs: (num('used_cpu_user_main_thread') + num('used_cpu_sys_main_thread')) * 1e6,
  };
}

/** Differences between two snapshots, without our own INFO/CONFIG calls. */
function delta(a: RedisSnapshot, b: RedisSnapshot) {
  const calls: Record<string, number> = {};
  let total = 0;
  for (const [k, v] of b.calls) {
    if (k === 'info' || k === 'config') continue;
    const d = v - (a.calls.get(k) ?? 0);
    if (d > 0) {
      calls[k] = d;
      total += d;
    }
  }
  return {
    calls,
    total,
    memory: b.usedMemory - a.usedMemory,
    netIn: b.netIn - a.netIn,
    netOut: b.netOut - a.netOut - (b.netReplOut - a.netReplOut),
    netRepl: b.netReplOut - a.netReplOut,
    cpuUs: b.cpuMainUs - a.cpuMainUs,
  };
}
type Delta = ReturnType<typeof delta>;

interface Measured {
  ack: number;
  perSession: { rssBytes: number; redisBytes: number; commands: number; calls: Record<string, number> };
  idle: { gatewayCpuUsPerWidgetSec: number; commandsPerWidgetSec: number; commandsPerSec: number; redisCpuUsPerSec: number };
  p2w: PerMessage;
  w2p: PerMessage;
  subscribersPerChannel: number;
}
interface PerMessage {
  gatewayCpuUs: number;
  commands: number;
  calls: Record<string, number>;
  redisCpuUs: number;
  bytesIn: number;
  bytesOut: number;
  bytesRepl: number;
  redisBytes: number;
  publishes: number;
}

/**
 * Per message, net of what the node spends anyway while idle (keep-alive of every widget, probes,
 * serverCron) during the phase's `ms`: `idle` gives the gateway's and Redis's idle CPU per second.
 */
function perMessage(d: Delta, n: number, cpuMsUsed: number, ms: number, idle: { gatewayCpuUsPerSec: number; redisCpuUsPerSec: number }): PerMessage {
  const calls = Object.fromEntries(Object.entries(d.calls).map(([k, v]) => [k, v / n]));
  return {
    gatewayCpuUs: Math.max(0, cpuMsUsed * 1000 - (idle.gatewayCpuUsPerSec * ms) / 1000) / n,
    commands: d.total / n,
    calls,
    redisCpuUs: Math.max(0, d.cpuUs - (idle.redisCpuUsPerSec * ms) / 1000) / n,
    bytesIn: d.netIn / n,
    bytesOut: d.netOut / n,
    bytesRepl: d.netRepl / n,
    redisBytes: d.memory / n,
    publishes: (d.calls['publish'] ?? 0) / n,
  };
}

async function measure(ack: number, standIn: PlatformStandIn): Promise<Measured> {
  const primary: RedisServer = await startRedisServer();
  const replica: RedisServer = await startRedisServer({ replicaOf: primary.port });
  const admin = new Redis(primary.url);
  for (let i = 0; i < 200 && !/^slave0:.*state=online/m.test(await admin.info('replication')); i++) await sleep(50);
  const gw: Target = await startGateway({ storeUrl: primary.url, platformUrl: standIn.url, env: { REDIS_MIN_REPLICAS_ACK: String(ack) } });
  const widgets: V9Widget[] = [];
  try {
    await sleep(1000);
    // --- sessions
    const rss0 = rssKiB(gw.pid);
    await admin.config('RESETSTAT');
    let s0 = await snapshot(admin);
    for (let i = 0; i < SESSIONS; i += 100) {
      const batch = Array.from({ length: Math.min(100, SESSIONS - i) }, () => new V9Widget(gw.port));
      await Promise.all(
        batch.map(async (w) => {
          const r = await w.register();
          if (!r.urn) throw new Error(`register failed: ${JSON.stringify(r)}`);
          await w.subscribeAndWait();
        }),
      );
      widgets.push(...batch);
    }
    await sleep(2000);
    let s1 = await snapshot(admin);
    const conn = delta(s0, s1);
    const perSession = {
      rssBytes: ((rssKiB(gw.pid) - rss0) * 1024) / SESSIONS,
      redisBytes: conn.memory / SESSIONS,
      commands: conn.total / SESSIONS,
      calls: Object.fromEntries(Object.entries(conn.calls).map(([k, v]) => [k, v / SESSIONS])),
    };
    log(
      `ack=${ack}: ${SESSIONS} sessions: ${perSession.commands.toFixed(1)} commands, ${perSession.redisBytes.toFixed(0)} B Redis, ${perSession.rssBytes.toFixed(0)} B gateway RSS each`,
    );
    // --- idle
    await admin.config('RESETSTAT');
    s0 = await snapshot(admin);
    let cpu0 = cpuMs(gw.pid);
    await sleep(IDLE_MS);
    s1 = await snapshot(admin);
    const idleD = delta(s0, s1);
    const idle = {
      gatewayCpuUsPerWidgetSec: ((cpuMs(gw.pid) - cpu0) * 1000) / SESSIONS / (IDLE_MS / 1000),
      commandsPerSec: idleD.total / (IDLE_MS / 1000),
      commandsPerWidgetSec: idleD.total / SESSIONS / (IDLE_MS / 1000),
      redisCpuUsPerSec: idleD.cpuUs / (IDLE_MS / 1000),
    };
    // --- platform -> widget
    const received = () => widgets.reduce((a, w) => a + w.received.length, 0);
    const before = received();
    await admin.config('RESETSTAT');
    s0 = await snapshot(admin);
    cpu0 = cpuMs(gw.pid);
    let t0 = Date.now();
    const pool = new Pool(gw.url, { connections: 32 });
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < MESSAGES) {
          const n = next++;
          const w = widgets[n % widgets.length]!;
          const r = await pool.request({
            method: 'POST',
            path: '/send',
            headers: { 'content-type': 'application/json', authorization: BENCH_TOKEN },
            body: JSON.stringify({ id: `c${ack}-${n}`, to: w.urn, text: 'capacity' }),
          });
          await r.body.text();
          if (r.statusCode !== 200) throw new Error(`webhook ${r.statusCode}`);
        }
      }),
    );
    await pool.close();
    await waitFor(() => received() - before >= MESSAGES, 60_000, 'deliveries');
    await sleep(2000); // receipt pings and delivered marks of the last messages
    s1 = await snapshot(admin);
    const idleRates = { gatewayCpuUsPerSec: idle.gatewayCpuUsPerWidgetSec * SESSIONS, redisCpuUsPerSec: idle.redisCpuUsPerSec };
    const p2w = perMessage(delta(s0, s1), MESSAGES, cpuMs(gw.pid) - cpu0, Date.now() - t0, idleRates);
    const sample = widgets.slice(0, 50).map((w) => `wg:fan:${w.urn}`);
    const numsub = (await admin.call('PUBSUB', 'NUMSUB', ...sample)) as (string | number)[];
    let subs = 0;
    for (let i = 1; i < numsub.length; i += 2) subs += Number(numsub[i]);
    log(
      `ack=${ack}: platform->widget: ${p2w.commands.toFixed(1)} commands, ${p2w.gatewayCpuUs.toFixed(0)} µs gateway CPU, ${p2w.redisCpuUs.toFixed(1)} µs Redis CPU per message`,
    );
    // --- widget -> platform
    standIn.received.length = 0;
    await admin.config('RESETSTAT');
    s0 = await snapshot(admin);
    cpu0 = cpuMs(gw.pid);
    t0 = Date.now();
    let k = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (k < MESSAGES) {
          const n = k++;
          const w = widgets[n % widgets.length]!;
          const r = await w.sendAck({ text: `cap-${n}`, userUrn: w.urn });
          if (r.err) throw new Error(`sendMessageToChannel: ${r.err.message}`);
        }
      }),
    );
    await waitFor(() => standIn.received.length >= MESSAGES, 60_000, 'forwards');
    await sleep(1000);
    s1 = await snapshot(admin);
    const w2p = perMessage(delta(s0, s1), MESSAGES, cpuMs(gw.pid) - cpu0, Date.now() - t0, idleRates);
    log(
      `ack=${ack}: widget->platform: ${w2p.commands.toFixed(1)} commands, ${w2p.gatewayCpuUs.toFixed(0)} µs gateway CPU, ${w2p.redisCpuUs.toFixed(1)} µs Redis CPU per message`,
    );
    return { ack, perSession, idle, p2w, w2p, subscribersPerChannel: subs / sample.length };
  } finally {
    widgets.forEach((w) => w.close());
    await gw.stop();
    admin.disconnect();
    await replica.stop();
    await primary.stop();
  }
}

const f = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const calls = (c: Record<string, number>): string =>
  Object.entries(c)
    .sort((a, b) => b[1] - a[1])
    .filter(([, v]) => v >= 0.05)
    .map(([k, v]) => `${k} ${f(v, 2)}`)
    .join(', ');

/** One Redis primary runs its commands on one thread: plan for it at most this busy. */
const REDIS_BUSY = 0.7;
/** Gateway processes planned at this CPU share of one core each. */
const GATEWAY_BUSY = 0.6;
/** Widgets per gateway process at most (sockets, heap, event-loop latency under reconnect storms). */
const WIDGETS_PER_PROCESS = 25_000;

function plan(m: Measured): string[] {
  const W = PLAN_WIDGETS;
  const R = PLAN_RATE;
  const gwCpu = W * m.idle.gatewayCpuUsPerWidgetSec + R * m.p2w.gatewayCpuUs + R * m.w2p.gatewayCpuUs; // µs per second
  const coresGw = gwCpu / 1e6;
  const byCpu = Math.ceil(coresGw / GATEWAY_BUSY);
  const byConn = Math.ceil(W / WIDGETS_PER_PROCESS);
  const procs = Math.max(byCpu, byConn);
  const gwRam = (W * m.perSession.rssBytes) / 2 ** 30;
  const redisRam = (W * (m.perSession.redisBytes + (HISTORY * (m.p2w.redisBytes + m.w2p.redisBytes)) / 2)) / 2 ** 30;
  const cmdRate = R * m.p2w.commands + R * m.w2p.commands;
  // Idle Redis work (probes, heartbeats) is per gateway process, not per widget.
  const redisCpu = (R * m.p2w.redisCpuUs + R * m.w2p.redisCpuUs + procs * m.idle.redisCpuUsPerSec) / 1e6;
  const netOut = (R * (m.p2w.bytesOut + m.w2p.bytesOut) * 8) / 1e6;
  const netIn = (R * (m.p2w.bytesIn + m.w2p.bytesIn) * 8) / 1e6;
  const netRepl = (R * (m.p2w.bytesRepl + m.w2p.bytesRepl) * 8) / 1e6;
  const headroom = REDIS_BUSY / redisCpu;
  return [
    `| gateway CPU | ${f(coresGw, 1)} cores (idle keep-alive ${f((W * m.idle.gatewayCpuUsPerWidgetSec) / 1e6, 1)}, platform→widget ${f((R * m.p2w.gatewayCpuUs) / 1e6, 1)}, widget→platform ${f((R * m.w2p.gatewayCpuUs) / 1e6, 1)}) |`,
    `| gateway processes | ${procs} (CPU at ${GATEWAY_BUSY * 100} % of a core each: ${byCpu}; at most ${f(WIDGETS_PER_PROCESS)} widgets each: ${byConn}) |`,
    `| gateway memory | ${f(gwRam, 1)} GiB for the idle widgets (${f(gwRam / procs, 2)} GiB per process) plus per-process baseline |`,
    `| Redis memory | ${f(redisRam, 1)} GiB (sessions ${f((W * m.perSession.redisBytes) / 2 ** 30, 1)} GiB + ${HISTORY} kept messages per session); each replica the same |`,
    `| Redis commands | ${f(cmdRate + procs * m.idle.commandsPerSec)} /s (${f(m.p2w.commands, 1)} per platform message, ${f(m.w2p.commands, 1)} per user message, ${f(procs * m.idle.commandsPerSec)} /s idle for ${procs} processes) |`,
    `| Redis main-thread CPU | ${f(redisCpu, 2)} of one core; at ${REDIS_BUSY * 100} % busy one primary carries ${f(headroom, 1)}× this load |`,
    `| Redis network | in ${f(netIn)} Mbit/s, out to gateways ${f(netOut)} Mbit/s, to each replica ${f(netRepl)} Mbit/s |`,
  ];
}

async function main(): Promise<void> {
  const standIn = await new PlatformStandIn().start();
  const results: Measured[] = [];
  try {
    for (const ack of ACKS) results.push(await measure(ack, standIn));
  } finally {
    await standIn.stop();
  }
  const out: string[] = [];
  out.push(
    `Command: \`node dist/bench/capacity.js ${process.argv.slice(2).join(' ')}\` — ${SESSIONS} widgets, ${MESSAGES} messages each way, one gateway process, one primary + one replica on loopback.`,
    '',
  );
  out.push('| measured | ' + results.map((m) => `REDIS_MIN_REPLICAS_ACK=${m.ack}`).join(' | ') + ' |', '|---|' + results.map(() => '---|').join(''));
  const row = (name: string, fn: (m: Measured) => string): void => void out.push(`| ${name} | ${results.map(fn).join(' | ')} |`);
  row('gateway RSS per idle widget', (m) => `${f(m.perSession.rssBytes / 1024, 1)} KiB`);
  row('gateway CPU per idle widget', (m) => `${f(m.idle.gatewayCpuUsPerWidgetSec, 1)} µs/s`);
  row('Redis memory per session (no messages)', (m) => `${f(m.perSession.redisBytes)} B`);
  row('Redis commands per session (connect + register + subscribe)', (m) => `${f(m.perSession.commands, 1)} (${calls(m.perSession.calls)})`);
  row('Redis commands per second while idle (whole node)', (m) => `${f(m.idle.commandsPerSec, 1)} (${f(m.idle.redisCpuUsPerSec)} µs Redis CPU per second)`);
  row('platform→widget: gateway CPU per message', (m) => `${f(m.p2w.gatewayCpuUs)} µs`);
  row('platform→widget: Redis commands per message', (m) => `${f(m.p2w.commands, 1)} (${calls(m.p2w.calls)})`);
  row('platform→widget: Redis main-thread CPU per message', (m) => `${f(m.p2w.redisCpuUs, 1)} µs`);
  row('platform→widget: Redis bytes in / out / to replica per message', (m) => `${f(m.p2w.bytesIn)} / ${f(m.p2w.bytesOut)} / ${f(m.p2w.bytesRepl)}`);
  row('platform→widget: Redis memory per stored message', (m) => `${f(m.p2w.redisBytes)} B`);
  row('platform→widget: PUBLISH per message; subscribers per session channel', (m) => `${f(m.p2w.publishes, 2)}; ${f(m.subscribersPerChannel, 2)}`);
  row('widget→platform: gateway CPU per message', (m) => `${f(m.w2p.gatewayCpuUs)} µs`);
  row('widget→platform: Redis commands per message', (m) => `${f(m.w2p.commands, 1)} (${calls(m.w2p.calls)})`);
  row('widget→platform: Redis main-thread CPU per message', (m) => `${f(m.w2p.redisCpuUs, 1)} µs`);
  row('widget→platform: Redis bytes in / out / to replica per message', (m) => `${f(m.w2p.bytesIn)} / ${f(m.w2p.bytesOut)} / ${f(m.w2p.bytesRepl)}`);
  row('widget→platform: Redis memory per stored message', (m) => `${f(m.w2p.redisBytes)} B`);
  for (const m of results) {
    out.push(
      '',
      `Plan for ${f(PLAN_WIDGETS)} concurrent widgets, ${f(PLAN_RATE)} platform messages/s and ${f(PLAN_RATE)} user messages/s, REDIS_MIN_REPLICAS_ACK=${m.ack}:`,
      '',
      '| resource | need |',
      '|---|---|',
      ...plan(m),
    );
  }
  console.log(out.join('\n'));
  console.log('\n```json\n' + JSON.stringify(results) + '\n```');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
