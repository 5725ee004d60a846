// Starts a private `redis-server` child process for tests, on a free port of 127.0.0.1, so tests
// never touch a Redis the machine may run on 6379. Without persistence by default
// (`--save "" --appendonly no`); `appendonly: true` with a `dir` gives an AOF-backed server that a
// test can stop and start again on the same dir (and port) to check what survives.
//
// If redis-server is not installed this throws (it does not skip): CI installs it
// (Debian package `redis-server`). REDIS_SERVER_BIN overrides the binary.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, createConnection } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServerOptions {
  /** Port to listen on; a free one is picked when omitted. */
  port?: number;
  /** Turn on the append-only file (fsync every second) in `dir`. */
  appendonly?: boolean;
  /** Working directory for the AOF; required with appendonly. */
  dir?: string;
  /** Start as a replica of the server on this port (127.0.0.1). */
  replicaOf?: number;
  /** More redis-server arguments (`--name value` pairs). */
  args?: string[];
}

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM, which also flushes the AOF) and waits for it to exit. */
  stop(): Promise<void>;
  /** Suspends all clients' commands for `ms` milliseconds (CLIENT PAUSE), to simulate a stall. */
  pause(ms: number): Promise<void>;
  /** SIGKILL: the machine is gone, nothing is flushed. */
  kill9(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 10_000;

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const port = options.port ?? (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', ''];
  if (options.appendonly) {
    if (!options.dir) throw new Error('startRedisServer: appendonly needs a dir');
    args.push('--appendonly', 'yes', '--dir', options.dir);
  } else {
    // A replica's full sync writes the primary's RDB into its dir; without one that is the
    // test's working directory (it left dump.rdb in the checkout).
    args.push('--appendonly', 'no', '--dir', options.dir ?? mkdtempSync(join(tmpdir(), 'wg-redis-')));
  }
  if (options.replicaOf !== undefined) args.push('--replicaof', '127.0.0.1', String(options.replicaOf));
  args.push(...(options.args ?? []));

  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Keep the tail of the server's output for error messages; reading it also keeps the pipe drained.
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  let exited: Error | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      exited =
        err.code === 'ENOENT'
          ? new Error(
              `redis-server not found (tried "${bin}"). The Redis store tests need a real redis-server: ` +
                'install it (Debian/Ubuntu: apt-get install -y redis-server) or set REDIS_SERVER_BIN.',
            )
          : err;
      resolve();
    });
    child.once('exit', (code, signal) => {
      exited ??= new Error(`redis-server exited (code ${code}, signal ${signal}):\n${output}`);
      resolve();
    });
  });
  // Never leave an orphan server behind if the test process ends without calling stop().
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      process.removeListener('exit', killOnExit);
      throw exited as Error;
    }
    try {
      if ((await command(port, ['PING'])) === '+PONG') break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopChild(child, exitPromise);
      process.removeListener('exit', killOnExit);
      throw new Error(`redis-server on port ${port} did not answer PING within ${STARTUP_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await stopChild(child, exitPromise);
      process.removeListener('exit', killOnExit);
    },
    async kill9() {
      child.kill('SIGKILL');
      await exitPromise;
      process.removeListener('exit', killOnExit);
    },
    async pause(ms: number) {
      const reply = await command(port, ['CLIENT', 'PAUSE', String(ms)]);
      if (reply !== '+OK') throw new Error(`CLIENT PAUSE failed: ${reply}`);
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** A port the OS says is free right now (there is a small race until redis binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Sends one command in RESP and returns the first line of the reply (enough for PING / OK). */
function command(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let data = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout')));
    socket.once('error', reject);
    socket.on('connect', () => {
      socket.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(''));
    });
    socket.on('data', (chunk) => {
      data += chunk.toString();
      const end = data.indexOf('\r\n');
      if (end >= 0) {
        socket.end();
        resolve(data.slice(0, end));
      }
    });
  });
}
