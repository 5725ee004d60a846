// Load-generator child process: holds N real socketcluster-client 9.x widgets (multiplex:false,
// through test/helpers/clients.ts V9Widget), registers and subscribes each like a widget does,
// or N WWC sessions (wwc-load.ts), records receive latency of platform messages
// (payload.sent_at) and emits user messages on request. Driven by the parent over IPC:
// {id, cmd, ...} -> {id, ok, result | error}.
import { V9Widget } from '../test/helpers/clients.js';
import { now } from './util.js';
import { emitWwc, openWwc, type WwcHeld } from './wwc-load.js';

interface Held {
  w: V9Widget;
  urn: string;
}

const held: Held[] = [];
const wwcHeld: WwcHeld[] = [];
let latencies: number[] = [];
let received = 0;
let firstRecv = 0;
let lastRecv = 0;
let emitted = 0;
let emitCursor = 0;
let closes = 0;

function onPlatformMessage(urn: string, data: any): void {
  if (!data || data.to !== urn) return;
  const t = now();
  received++;
  if (firstRecv === 0) firstRecv = t;
  lastRecv = t;
  if (typeof data.sent_at === 'number') latencies.push(t - data.sent_at);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`${what} timed out`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

async function openOne(port: number): Promise<Held> {
  const w = new V9Widget(port, { autoReconnect: false });
  w.socket.on('close', () => closes++);
  try {
    // Like V9Widget.register (reply read from the first callback argument), but a failed emit
    // (an Error there, e.g. BadConnectionError) is a failed widget, not a crashed generator.
    const reply = await withTimeout(
      new Promise<any>((resolve, reject) =>
        w.socket.emit('registerUser', {}, (first: unknown) => {
          if (typeof first !== 'string') return reject(first instanceof Error ? first : new Error(String(first)));
          try {
            resolve(JSON.parse(first));
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        }),
      ),
      60_000,
      'registerUser',
    );
    if (!reply?.urn) throw new Error(`registerUser answered ${JSON.stringify(reply)}`);
    const urn: string = reply.urn;
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        const ch = w.socket.subscribe(urn);
        ch.watch((data: any) => onPlatformMessage(urn, data));
        ch.on('subscribe', () => resolve());
        ch.on('subscribeFail', (err: Error) => reject(err));
      }),
      60_000,
      'subscribe',
    );
    // The helper keeps every raw event; a bench widget does not need them.
    w.socket.off('receivedMessageFromChannel');
    return { w, urn };
  } catch (err) {
    w.close();
    throw err;
  }
}

function onWwcMessage(sentAt: number): void {
  const t = now();
  received++;
  if (firstRecv === 0) firstRecv = t;
  lastRecv = t;
  if (Number.isFinite(sentAt)) latencies.push(t - sentAt);
}

/**
 * Opens `count` sessions, `concurrency` at a time, into `into`; the k-th goes to ports[k % n] when
 * several nodes are given. Failures are counted, the first one kept.
 */
async function connectMany<T extends { urn?: string; from?: string }>(
  count: number,
  concurrency: number,
  into: T[],
  open: (port: number) => Promise<T>,
  port: number,
  ports?: number[],
): Promise<unknown> {
  const start = now();
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const k = next++;
      try {
        into.push(await open(ports && ports.length > 0 ? ports[k % ports.length]! : port));
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { ms: now() - start, registered: into.length, failed, firstError, urns: into.map((h) => h.urn ?? h.from) };
}

/** Emits n user messages round-robin over the held widgets, like a widget: no callback. */
function emit(n: number): void {
  if (wwcHeld.length > 0) {
    for (let i = 0; i < n; i++) if (emitWwc(wwcHeld[emitCursor++ % wwcHeld.length]!)) emitted++;
    return;
  }
  if (held.length === 0) return;
  for (let i = 0; i < n; i++) {
    const h = held[emitCursor++ % held.length]!;
    if (h.w.socket.state !== 'open') continue;
    h.w.socket.emit('sendMessageToChannel', { text: `bench:${now()}`, userUrn: h.urn });
    emitted++;
  }
}

function resetStats(): void {
  latencies = [];
  received = 0;
  firstRecv = lastRecv = 0;
  emitted = 0;
}

process.on('message', (msg: any) => void onMessage(msg));

async function onMessage(msg: any): Promise<void> {
  const reply = (result: unknown): void => void process.send?.({ id: msg.id, ok: true, result });
  try {
    switch (msg.cmd) {
      case 'connect':
        reply(
          msg.protocol === 'wwc'
            ? await connectMany(
                msg.count,
                msg.concurrency ?? 200,
                wwcHeld,
                (p) => openWwc(p, msg.callbackBase, onWwcMessage, () => closes++),
                msg.port,
                msg.ports,
              )
            : await connectMany(msg.count, msg.concurrency ?? 200, held, openOne, msg.port, msg.ports),
        );
        break;
      case 'emit':
        emit(msg.n);
        break; // fire and forget
      case 'reset':
        resetStats();
        reply(null);
        break;
      case 'stats': {
        const open = held.filter((h) => h.w.socket.state === 'open').length + wwcHeld.filter((h) => h.ws.readyState === h.ws.OPEN).length;
        reply({ received, firstRecv, lastRecv, emitted, closes, open, latencies: msg.withLatencies ? latencies : [] });
        break;
      }
      case 'close':
        for (const h of held) h.w.close();
        for (const h of wwcHeld) h.ws.close();
        held.length = 0;
        wwcHeld.length = 0;
        reply(null);
        break;
      default:
        process.send?.({ id: msg.id, ok: false, error: `unknown command ${msg.cmd}` });
    }
  } catch (err) {
    process.send?.({ id: msg.id, ok: false, error: (err as Error).stack ?? String(err) });
  }
}
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', (err) => console.error('load generator: uncaught', err));
process.send?.({ ready: true });
