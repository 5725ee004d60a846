// Helpers for the fault tests (test/faults/): bounded worker pools, posts that report network
// failure instead of throwing, a platform that never answers, and the bookkeeping that turns
// what widgets and the platform received into exact figures (unique, duplicates, lost, order).
import { rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReceivedPayload } from './clients.js';
import { tempDir } from './gateway.js';
import { postToGateway } from './platform.js';

const scratch: string[] = [];
process.once('exit', () => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory (for SQLite files) removed when the test process exits. */
export function scratchDir(prefix: string): string {
  const dir = tempDir(prefix);
  scratch.push(dir);
  return dir;
}

/** Runs `fn` over `items` with at most `concurrency` calls in flight; resolves when all are done. */
export async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
}

export type PostOutcome = number | 'network-error';

/** postToGateway that answers 'network-error' (refused, reset, hung up) instead of throwing. */
export async function tryPost(gatewayUrl: string, msg: { id: string; text: string; to: string }, token: string, timeoutMs = 10_000): Promise<PostOutcome> {
  try {
    const r = await Promise.race([
      postToGateway(gatewayUrl, msg, { token }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('post timeout')), timeoutMs).unref()),
    ]);
    return r.status;
  } catch {
    return 'network-error';
  }
}

/** What one widget received, reduced: first copy of each id in arrival order, and the rest. */
export interface Reduced {
  unique: ReceivedPayload[];
  duplicates: number;
  /** Copies of an id whose seq or text differ from the first copy (must be none). */
  conflicts: string[];
}

export function dedupeById(received: readonly ReceivedPayload[]): Reduced {
  const first = new Map<string, ReceivedPayload>();
  const unique: ReceivedPayload[] = [];
  const conflicts: string[] = [];
  let duplicates = 0;
  for (const m of received) {
    const seen = first.get(m.id);
    if (!seen) {
      first.set(m.id, m);
      unique.push(m);
      continue;
    }
    duplicates++;
    if (seen.seq !== m.seq || seen.text !== m.text) conflicts.push(`${m.id}: seq ${seen.seq}/${m.seq} text ${seen.text}/${m.text}`);
  }
  return { unique, duplicates, conflicts };
}

/** Counts each string; returns the distinct ones in first-seen order and how many repeats. */
export function dedupeTexts(texts: readonly string[]): { unique: string[]; duplicates: number; maxCopies: number } {
  const counts = new Map<string, number>();
  for (const t of texts) counts.set(t, (counts.get(t) ?? 0) + 1);
  return { unique: [...counts.keys()], duplicates: texts.length - counts.size, maxCopies: Math.max(0, ...counts.values()) };
}

export function isStrictlyIncreasing(xs: readonly number[]): boolean {
  for (let i = 1; i < xs.length; i++) if (!(xs[i]! > xs[i - 1]!)) return false;
  return true;
}

/** True when `sub` appears in `seq` in the same relative order (not necessarily adjacent). */
export function isSubsequence<T>(sub: readonly T[], seq: readonly T[]): boolean {
  let j = 0;
  for (const x of seq) if (j < sub.length && x === sub[j]) j++;
  return j === sub.length;
}

/** waitFor that also says how far it got when it gives up. */
export async function waitUntil(predicate: () => boolean, timeoutMs: number, what: () => string): Promise<number> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

/**
 * A platform that accepts connections and reads requests but never answers them (a hung
 * upstream) until `release()`, after which it answers 200 like courier. Records every call;
 * `stop()` drops every held request.
 */
export class HangingPlatform {
  readonly calls: Array<{ from: string; text: string; at: number }> = [];
  hanging = true;
  private server!: Server;
  private held = new Set<ServerResponse>();

  /** From now on answer 200 (requests already held stay unanswered: the caller timed them out). */
  release(): void {
    this.hanging = false;
  }

  textsFrom(urn: string): string[] {
    return this.calls.filter((c) => c.from === urn).map((c) => c.text);
  }

  async start(): Promise<this> {
    this.server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      this.calls.push({ from: form.get('from') ?? '', text: form.get('text') ?? '', at: Date.now() });
      if (!this.hanging) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"message":"Message Accepted"}');
        return;
      }
      this.held.add(res);
      res.on('close', () => this.held.delete(res));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One line of figures for the report, printed so it can be quoted. */
export function report(name: string, figures: Record<string, number | string>): void {
  console.log(
    `[fault] ${name}: ${Object.entries(figures)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
}

/**
 * An HTTP request written in two parts over its own TCP connection, so a test can have a request
 * "in progress" at a chosen moment (headers on the wire, body still coming). The connection is
 * keep-alive, as courier's HTTP client keeps it.
 */
export async function splitRequest(
  port: number,
  firstPart: string,
): Promise<{
  finish(rest: string): Promise<{ status: number; headers: string; body: any }>;
  closedByServer: Promise<number>;
  destroy(): void;
}> {
  const { connect } = await import('node:net');
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  let data = '';
  let waiter: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString();
    waiter?.();
  });
  const closedByServer = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  socket.write(firstPart);
  return {
    closedByServer,
    destroy: () => socket.destroy(),
    async finish(rest: string) {
      socket.write(rest);
      for (;;) {
        const end = data.indexOf('\r\n\r\n');
        if (end >= 0) {
          const headers = data.slice(0, end);
          const length = Number(/content-length:\s*(\d+)/i.exec(headers)?.[1] ?? 0);
          if (data.length >= end + 4 + length) {
            const text = data.slice(end + 4, end + 4 + length);
            let body: any = text;
            try {
              body = JSON.parse(text);
            } catch {}
            return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(headers)?.[1]), headers, body };
          }
        }
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`no complete response in 10 s: ${JSON.stringify(data)}`)), 10_000);
          waiter = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    },
  };
}

/** A sleep that does not keep the process alive (for bounds raced against real events). */
export function unrefSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
