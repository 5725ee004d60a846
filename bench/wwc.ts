// WWC beside SocketCluster on the same gateway build, store and machine, in one run:
//   node dist/bench/wwc.js [--sessions=1000] [--messages=20000] [--rounds=1]
// For each protocol a fresh gateway (SQLite, production timings, LOAD_LIMITS) and N clients in
// this process (raw `ws` speaking WWC; socketcluster-client 9.x as the field widgets), then:
//   platform -> widget: M posts to /send, 64 in flight, spread over the sessions; delivered/s,
//     post-to-receive p50/p99, gateway CPU us per delivered message (from /proc), nothing lost;
//   widget -> platform: M user messages (windowed), until the platform stand-in holds them all;
//     gateway CPU us per forwarded message;
//   idle: gateway RSS growth per connected session.
// Run under `flock /tmp/wg-bench.lock` on shared machines; compare ratios within one run.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { V9Widget } from '../test/helpers/clients.js';
import { PlatformStandIn } from '../test/helpers/platform.js';
import { BENCH_TOKEN, LOAD_LIMITS, startGateway, type Target } from './targets.js';
import { cpuMs, now, rssKiB, sleep, summarize } from './util.js';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const SESSIONS = Number(args.get('sessions') ?? 1000);
const MESSAGES = Number(args.get('messages') ?? 20_000);
const ROUNDS = Number(args.get('rounds') ?? 1);
const IN_FLIGHT = 64;
const CHANNEL = '6f1c3d7e-8a2b-4c5d-9e0f-1a2b3c4d5e6f';
const log = (...a: unknown[]): void => console.error(`[wwc-bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

interface Client {
  id: string;
  send(text: string): void;
  received: number;
  close(): void;
}

/** Post time of each platform message by text, to measure post-to-receive latency. */
const postedAt = new Map<string, number>();
const latencies: number[] = [];
const onReceive = (text: string): void => {
  const t = postedAt.get(text);
  if (t !== undefined) latencies.push(now() - t);
};

async function wwcClient(port: number, i: number, platformUrl: string): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false });
  const from = `${i}${Date.now()}@bench.test`;
  const client: Client = {
    id: from,
    received: 0,
    send: (text) => ws.send(JSON.stringify({ type: 'message', message: { type: 'text', text } })),
    close: () => ws.close(),
  };
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString());
      if (f.type === 'ready_for_message') resolve();
      else if (f.type === 'message') {
        client.received++;
        onReceive(f.message.text);
      } else if (f.type === 'error') reject(new Error(f.error));
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'register', from, callback: `${platformUrl}/c/wwc/${CHANNEL}/receive`, session_type: 'local' })));
    ws.once('error', reject);
  });
  return client;
}

async function scClient(port: number): Promise<Client> {
  const w = new V9Widget(port);
  const { urn } = await w.register();
  await w.subscribeAndWait(urn);
  const client: Client = { id: urn, received: 0, send: (text) => w.send(text), close: () => w.close() };
  w.socket.on('receivedMessageFromChannel', (d: { text: string }) => {
    client.received++;
    onReceive(d.text);
  });
  return client;
}

interface Row {
  protocol: string;
  sessions: number;
  p2wRate: number;
  p2wP50: number;
  p2wP99: number;
  p2wCpuUs: number;
  lost: number;
  w2pRate: number;
  w2pCpuUs: number;
  idleKiB: number;
}

async function measure(protocol: 'socketcluster' | 'wwc', platform: PlatformStandIn): Promise<Row> {
  const dir = mkdtempSync(join(os.tmpdir(), 'wg-wwc-bench-'));
  const gw: Target = await startGateway({ storeUrl: `sqlite:${join(dir, 'g.db')}`, platformUrl: platform.url, env: LOAD_LIMITS });
  try {
    await sleep(500);
    const rssBefore = rssKiB(gw.pid);
    const clients: Client[] = [];
    for (let i = 0; i < SESSIONS; i += 50) {
      clients.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(50, SESSIONS - i) }, (_, k) => (protocol === 'wwc' ? wwcClient(gw.port, i + k, platform.url) : scClient(gw.port))),
        )),
      );
    }
    await sleep(2000);
    const idleKiB = (rssKiB(gw.pid) - rssBefore) / SESSIONS;
    log(protocol, `${SESSIONS} sessions connected, ${idleKiB.toFixed(1)} KiB RSS each`);

    // platform -> widget
    postedAt.clear();
    latencies.length = 0;
    const pool = new Pool(gw.url, { connections: IN_FLIGHT });
    let next = 0;
    const cpu0 = cpuMs(gw.pid);
    const t0 = now();
    const worker = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= MESSAGES) return;
        const c = clients[i % clients.length]!;
        const text = `${protocol}-p2w-${i}`;
        postedAt.set(text, now());
        const res = await pool.request({
          path: '/send',
          method: 'POST',
          headers: { authorization: BENCH_TOKEN, 'content-type': 'application/json' },
          body: JSON.stringify({ id: text, to: c.id, text }),
        });
        await res.body.dump();
        if (res.statusCode !== 200) throw new Error(`/send answered ${res.statusCode}`);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const deadline = Date.now() + 60_000;
    while (clients.reduce((s, c) => s + c.received, 0) < MESSAGES && Date.now() < deadline) await sleep(10);
    const t1 = now();
    const delivered = clients.reduce((s, c) => s + c.received, 0);
    await sleep(1500); // receipt pings of the tail
    const p2wCpu = cpuMs(gw.pid) - cpu0;
    await pool.close();
    const lat = summarize(latencies);

    // widget -> platform
    const before = platform.received.length;
    const cpu1 = cpuMs(gw.pid);
    const t2 = now();
    const perClient = Math.ceil(MESSAGES / clients.length);
    for (let k = 0; k < perClient; k++) {
      for (const c of clients) c.send(`${protocol}-w2p-${k}`);
      // A window: let the gateway keep up rather than buffer everything in the sockets.
      while (platform.received.length - before < (k + 1) * clients.length - 4 * clients.length) await sleep(5);
    }
    const want = perClient * clients.length;
    while (platform.received.length - before < want && Date.now() < deadline + 120_000) await sleep(10);
    const t3 = now();
    const w2pCpu = cpuMs(gw.pid) - cpu1;
    for (const c of clients) c.close();
    return {
      protocol,
      sessions: SESSIONS,
      p2wRate: delivered / ((t1 - t0) / 1000),
      p2wP50: lat.p50,
      p2wP99: lat.p99,
      p2wCpuUs: (p2wCpu * 1000) / delivered,
      lost: MESSAGES - delivered,
      w2pRate: want / ((t3 - t2) / 1000),
      w2pCpuUs: (w2pCpu * 1000) / want,
      idleKiB,
    };
  } finally {
    await gw.stop();
  }
}

async function main(): Promise<void> {
  const platform = await new PlatformStandIn().start();
  const rows: Row[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) for (const p of ['socketcluster', 'wwc'] as const) rows.push(await measure(p, platform));
  } finally {
    await platform.stop();
  }
  const f = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(`| protocol | sessions | p->w msg/s | p->w p50 ms | p->w p99 ms | p->w CPU us/msg | lost | w->p msg/s | w->p CPU us/msg | idle KiB/session |`);
  console.log(`|---|---|---|---|---|---|---|---|---|---|`);
  for (const r of rows)
    console.log(
      `| ${r.protocol} | ${f(r.sessions)} | ${f(r.p2wRate)} | ${f(r.p2wP50, 1)} | ${f(r.p2wP99, 1)} | ${f(r.p2wCpuUs)} | ${r.lost} | ${f(r.w2pRate)} | ${f(r.w2pCpuUs)} | ${f(r.idleKiB, 1)} |`,
    );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
