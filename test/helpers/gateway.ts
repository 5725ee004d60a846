// Starts a real gateway for a test: in this process (fast, inspectable) or as a child process
// running the real CLI (for kill -9 and signal tests). Always on a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/options.js';
import { Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/log/logger.js';

export const TEST_CHANNEL = '6f1c3d7e-8a2b-4c5d-9e0f-1a2b3c4d5e6f';
export const TEST_TOKEN = 'test-webhook-secret';

/** Fast timings for tests; each test overrides what it is about. */
export const TEST_ENV: Record<string, string> = {
  PORT: '0',
  HOST: '127.0.0.1',
  STORE_URL: 'memory:',
  LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
  CHANNEL_UUID: TEST_CHANNEL,
  PING_INTERVAL: '400ms',
  PING_TIMEOUT: '2s',
  RECEIPT_PING_DELAY: '20ms',
  RETRY_BASE: '50ms',
  RETRY_MAX: '400ms',
  PLATFORM_TIMEOUT: '2s',
  DEMO_BOT_DELAY: '10ms',
  STATUS_DELAY: '100ms',
  // Tests open many sockets from one address; they raise the per-IP limits, they do not exempt loopback.
  MAX_CONNECTIONS_PER_IP: '100000',
  MAX_REGISTRATIONS_PER_MINUTE: '100000',
  CLIENT_RATE: '100000',
  CLIENT_BURST: '100000',
};

export function tempDir(prefix = 'wg-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({ env: { ...TEST_ENV, ...env } });
}

export interface RunningGateway {
  gateway: Gateway;
  port: number;
  url: string;
  stop(): Promise<void>;
}

export async function startGateway(
  env: Record<string, string | undefined> = {},
  options: { logTo?: { write(line: string): void } } = {},
): Promise<RunningGateway> {
  const config = testConfig(env);
  const gateway = new Gateway({ config, log: createLogger(config.logLevel, options.logTo) });
  await gateway.start();
  return { gateway, port: gateway.port, url: gateway.url, stop: () => gateway.stop() };
}

export interface GatewayProcess {
  child: ChildProcess;
  port: number;
  url: string;
  output(): string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
  exited: Promise<number | null>;
}

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;

/** Runs the real CLI; resolves once it logs that it listens. */
export async function spawnGateway(env: Record<string, string>, port = 0): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...process.env, ...TEST_ENV, LOG_LEVEL: 'info', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const bound = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /"port":(\d+)[^\n]*webchat-gateway listening/.exec(out);
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    void exited.then((code) => reject(new Error(`gateway exited with ${code} before listening:\n${out}`)));
    setTimeout(() => reject(new Error(`gateway did not start in 60 s:\n${out}`)), 60_000).unref();
  });
  return {
    child,
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    output: () => out,
    exited,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
