// The systems under test, each a separate child process: the real gateway CLI (spawnGateway-like,
// but with production timings: only WEBHOOK_TOKEN, PLATFORM_URL, STORE_URL, LOG_LEVEL=warn),
// the bare socketcluster relay and the plain HTTP server.
import type { ChildProcess } from 'node:child_process';
import { captureOutput, freePort, spawnNode, waitExit, waitHttp } from './util.js';

export const BENCH_TOKEN = 'bench-webhook-secret';

/**
 * Needed because every bench widget comes from 127.0.0.1 (the v9 client cannot pick a source
 * address): the per-address connection and registration limits and the per-socket event rate
 * would otherwise refuse the load itself (defaults: 50 connections, 30 registrations/min per
 * address; 10 events/s, burst 30 per socket).
 */
export const LOAD_LIMITS: Record<string, string> = {
  MAX_CONNECTIONS_PER_IP: '10000000',
  MAX_REGISTRATIONS_PER_MINUTE: '10000000',
  CLIENT_RATE: '100000',
  CLIENT_BURST: '1000000',
};

export interface Target {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Every process of the system under test (several for a cluster). */
  pids: number[];
  port: number;
  url: string;
  /** Several nodes behind a (simulated) load balancer: widgets and webhooks spread round-robin. */
  ports?: number[];
  urls?: string[];
  output(): string;
  stop(): Promise<number | null>;
}

const here = (file: string): string => new URL(file, import.meta.url).pathname;
export const GATEWAY_CLI = here('../src/cli/main.js');

function wrap(name: string, child: ChildProcess, port: number, output: () => string): Target {
  return {
    name,
    child,
    pid: child.pid!,
    pids: [child.pid!],
    port,
    url: `http://127.0.0.1:${port}`,
    output,
    async stop() {
      child.kill('SIGTERM');
      return waitExit(child, 20_000);
    },
  };
}

export async function startGateway(opts: { storeUrl: string; platformUrl: string; nodeArgs?: string[]; env?: Record<string, string> }): Promise<Target> {
  const port = await freePort();
  const child = spawnNode(GATEWAY_CLI, ['serve'], {
    nodeArgs: opts.nodeArgs ?? [],
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      STORE_URL: opts.storeUrl,
      WEBHOOK_TOKEN: BENCH_TOKEN,
      PLATFORM_URL: opts.platformUrl,
      LOG_LEVEL: 'warn',
      ...LOAD_LIMITS,
      ...(opts.env ?? {}),
    },
  });
  const output = captureOutput(child);
  const died = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`gateway exited (${code}) before it answered:\n${output()}`))));
  // 60 s: on a shared, overloaded machine three nodes starting at once can take longer than 15 s.
  await Promise.race([waitHttp(`http://127.0.0.1:${port}/healthz`, 60_000), died]);
  return wrap(`gateway ${opts.storeUrl.split(':')[0]}`, child, port, output);
}

async function startPrinter(name: string, script: string, env: Record<string, string>): Promise<Target> {
  const child = spawnNode(here(script), [], { env });
  const output = captureOutput(child);
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const m = /PORT (\d+)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}):\n${output()}`)));
    setTimeout(() => reject(new Error(`${name} did not start:\n${output()}`)), 15_000).unref();
  });
  return wrap(name, child, port, output);
}

export function startBareRelay(platformUrl: string): Promise<Target> {
  return startPrinter('bare relay', './bare-relay.js', { PLATFORM_URL: platformUrl });
}

export function startHttpCeiling(): Promise<Target> {
  return startPrinter('http ceiling', './http-ceiling.js', {});
}

/** N gateway processes on one Redis store. RSS figures are the first node's. */
export async function startGatewayCluster(nodes: number, opts: { storeUrl: string; platformUrl: string; env?: Record<string, string> }): Promise<Target> {
  // One fresh prefix shared by the nodes of this cluster.
  const prefix = `b${Math.random().toString(36).slice(2, 7)}:`;
  const started = await Promise.all(Array.from({ length: nodes }, () => startGateway({ ...opts, env: { ...(opts.env ?? {}), REDIS_PREFIX: prefix } })));
  const first = started[0]!;
  return {
    ...first,
    name: `gateway redis x${nodes}`,
    pids: started.map((t) => t.pid),
    ports: started.map((t) => t.port),
    urls: started.map((t) => t.url),
    output: () => started.map((t) => t.output()).join('\n'),
    async stop() {
      const codes = await Promise.all(started.map((t) => t.stop()));
      return codes[0] ?? null;
    },
  };
}
