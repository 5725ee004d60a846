// Fanout over Redis pub/sub for several gateway processes on one Redis store.
//
// One channel per session (P + "fan:" + urn): a process subscribes while it holds a socket
// subscribed to that session, so a message reaches only the processes that can deliver it and
// nothing scans all sessions. Notifications carry the stored message, so the receiving process
// usually sends it without reading the store.
//
// Pub/sub is lossy by design (a reconnect drops what was published meanwhile), so:
// - after the subscriber connection comes back, every process re-reads the store for all its
//   subscriptions (onResync), which is where gaps are filled;
// - a probe publishes to the process's own channel and must hear it back: readiness uses it,
//   and a probe that fails twice in a row forces the subscriber to reconnect, because a
//   subscriber left wedged after a failover otherwise loses messages behind a green health check.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { closeRedis, createRedis } from './connection.js';
import type { Logger } from '../../log/logger.js';
import type { StoredMessage } from '../store.js';
import type { Fanout } from '../../delivery/fanout.js';

export const PROBE_INTERVAL = 2_000;
export const PROBE_TIMEOUT = 1_500;
const RESUBSCRIBE_BATCH = 1_000;
/** Attempts to publish one notification (about 30 s with the back-off), and at most this many waiting. */
const PUBLISH_ATTEMPTS = 20;
const MAX_REPUBLISHING = 100_000;
/** A refused resubscription (e.g. no channel permission on a new primary) is tried again this often. */
export const RESUBSCRIBE_RETRY = 2_000;

export class RedisFanout implements Fanout {
  readonly nodeId = randomBytes(6).toString('hex');
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly watched = new Map<string, number>();
  private handler: (message: StoredMessage) => void = () => {};
  private typingHandler: (urn: string, from: string) => void = () => {};
  private resync: () => void = () => {};
  private readonly probes = new Map<string, () => void>();
  private probeTimer: NodeJS.Timeout | undefined;
  private probeFailures = 0;
  private lastProbe: { ok: boolean; at: number; detail: string } = { ok: false, at: 0, detail: 'no probe yet' };
  private everReady = false;
  private closed = false;
  private republishing = 0;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    // Both follow Sentinel failovers (connection.ts); the probe below catches a subscriber
    // that is connected but hears nothing.
    this.pub = createRedis(url);
    // The subscriber resubscribes itself (resubscribe()), so that a subscription refused on a
    // new primary is tried again on the next reconnect instead of being forgotten.
    this.sub = createRedis(url, { autoResubscribe: false });
    for (const c of [this.pub, this.sub]) c.on('error', (err: Error) => this.log.debug({ err: err.message }, 'redis fanout connection error'));
    this.sub.on('messageBuffer', (channel: Buffer, data: Buffer) => this.onRedisMessage(channel.toString(), data.toString()));
    this.sub.on('ready', () => {
      if (this.everReady) void this.resubscribe();
      this.everReady = true;
    });
  }

  /**
   * After a reconnect (a failover, a cut): subscribe again, then re-read the store for every
   * subscription, since what was published while we were away is gone. In that order, so a
   * message stored between the two is either read or heard.
   */
  private async resubscribe(): Promise<void> {
    const channels = [this.probeChannel, ...[...this.watched.keys()].map((urn) => this.channel(urn))];
    try {
      for (let i = 0; i < channels.length; i += RESUBSCRIBE_BATCH) await this.sub.subscribe(...channels.slice(i, i + RESUBSCRIBE_BATCH));
    } catch (err) {
      // The probe fails until this works, so readiness is 503 meanwhile.
      this.log.warn({ err: (err as Error).message }, 'redis fanout could not resubscribe; trying again');
      const retry = setTimeout(() => {
        if (this.sub.status === 'ready' && !this.closed) void this.resubscribe();
      }, RESUBSCRIBE_RETRY);
      retry.unref();
      return;
    }
    this.log.warn({ channels: channels.length }, 'redis fanout reconnected; re-reading the store for every subscription');
    this.resync();
  }

  private channel(urn: string): string {
    return `${this.prefix}fan:${urn}`;
  }

  private get probeChannel(): string {
    return `${this.prefix}probe:${this.nodeId}`;
  }

  async start(): Promise<void> {
    await Promise.all([this.pub.connect(), this.sub.connect()]);
    await this.sub.subscribe(this.probeChannel);
    this.probeTimer = setInterval(() => void this.probe(), PROBE_INTERVAL);
    this.probeTimer.unref();
    await this.probe();
  }

  publish(message: StoredMessage): void {
    this.handler(message);
    this.send(this.channel(message.urn), JSON.stringify({ n: this.nodeId, m: message }), 1);
  }

  /**
   * A notification that could not be published (the publisher is reconnecting, e.g. during a
   * failover) is published again until it goes out: the message is stored, but the node holding
   * the widget would otherwise only find it on the session's next message or its next resync.
   */
  private send(channel: string, payload: string, attempt: number): void {
    this.pub.publish(channel, payload).catch((err: Error) => {
      if (this.closed || attempt >= PUBLISH_ATTEMPTS || this.republishing >= MAX_REPUBLISHING) {
        this.log.warn({ err: err.message, channel, attempt }, "fanout publish failed; the message waits for the session's next message or resync");
        return;
      }
      this.republishing++;
      const timer = setTimeout(
        () => {
          this.republishing--;
          this.send(channel, payload, attempt + 1);
        },
        Math.min(200 * attempt, 2_000),
      );
      timer.unref();
    });
  }

  onMessage(handler: (message: StoredMessage) => void): void {
    this.handler = handler;
  }

  /** On the session's channel, so only the processes holding its sockets hear it; published once. */
  publishTyping(urn: string, from: string): void {
    this.pub.publish(this.channel(urn), JSON.stringify({ n: this.nodeId, u: urn, t: from })).catch((err: Error) => {
      this.log.debug({ err: err.message, urn }, 'fanout typing publish failed');
    });
  }

  onTyping(handler: (urn: string, from: string) => void): void {
    this.typingHandler = handler;
  }

  onResync(handler: () => void): void {
    this.resync = handler;
  }

  async watch(urn: string): Promise<void> {
    const n = this.watched.get(urn) ?? 0;
    this.watched.set(urn, n + 1);
    if (n === 0) await this.sub.subscribe(this.channel(urn));
  }

  unwatch(urn: string): void {
    const n = this.watched.get(urn) ?? 0;
    if (n <= 1) {
      this.watched.delete(urn);
      this.sub.unsubscribe(this.channel(urn)).catch(() => {});
    } else {
      this.watched.set(urn, n - 1);
    }
  }

  private onRedisMessage(channel: string, data: string): void {
    if (channel === this.probeChannel) {
      this.probes.get(data)?.();
      return;
    }
    let parsed: { n: string; m?: StoredMessage; u?: string; t?: string };
    try {
      parsed = JSON.parse(data) as { n: string; m: StoredMessage };
    } catch {
      return;
    }
    if (parsed.n === this.nodeId) return; // delivered locally when published
    if (parsed.m !== undefined) this.handler(parsed.m);
    else if (typeof parsed.u === 'string' && typeof parsed.t === 'string') this.typingHandler(parsed.u, parsed.t);
  }

  /** Publishes to our own probe channel; ok when it comes back in time. */
  private async probe(): Promise<void> {
    const token = randomBytes(6).toString('hex');
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const heard = new Promise<boolean>((resolve) => {
      this.probes.set(token, () => resolve(true));
      timer = setTimeout(() => resolve(false), PROBE_TIMEOUT);
    });
    let ok = false;
    let detail: string;
    try {
      await this.pub.publish(this.probeChannel, token);
      ok = await heard;
      detail = ok ? `round trip ${Date.now() - started} ms` : 'probe not received';
    } catch (err) {
      detail = `publish failed: ${(err as Error).message}`;
    } finally {
      clearTimeout(timer);
      this.probes.delete(token);
    }
    this.lastProbe = { ok, at: Date.now(), detail };
    if (ok) {
      this.probeFailures = 0;
      return;
    }
    this.probeFailures++;
    this.log.warn({ detail, failures: this.probeFailures }, 'redis fanout probe failed');
    // Connected but deaf: reconnect the subscriber (which resubscribes and resyncs) after
    // failures 2, 4, 8, 16, then every 16th. Spaced out because a starved event loop fails
    // probes too, and reconnecting (and re-reading every subscription) every few seconds would
    // only add to its load.
    const n = this.probeFailures;
    if (n >= 2 && ((n & (n - 1)) === 0 || n % 16 === 0) && this.sub.status === 'ready') {
      this.sub.disconnect(true);
    }
  }

  async healthy(): Promise<{ ok: boolean; detail: string }> {
    const fresh = Date.now() - this.lastProbe.at < PROBE_INTERVAL * 2 + PROBE_TIMEOUT;
    return { ok: this.lastProbe.ok && fresh, detail: fresh ? this.lastProbe.detail : 'probe overdue' };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.probeTimer);
    await Promise.all([closeRedis(this.pub), closeRedis(this.sub)]);
  }
}
