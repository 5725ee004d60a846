// Delivers platform messages to the sockets subscribed to their session, in seq order, with
// proof of receipt.
//
// Each subscription has a cursor: the highest seq of the session it has processed (user messages
// are skipped, platform messages are sent). A message that directly follows the cursor is sent
// at once (the hot path: no store read); any gap - a replay after (re)subscribing, a
// notification that arrived out of order - is filled by reading the store from the cursor.
//
// Sending is not delivery. After sending, a ping goes out; its pong proves that the socket has
// received everything sent before it (keepalive.ts), and only then does the session's
// deliveredSeq advance. A socket that dies before that leaves deliveredSeq behind, so the next
// subscription replays from there: at-least-once, with duplicates only in that window.
//
// Receipt pings cost a write, a pong and a store update each, so a socket gets at most one per
// receiptPingDelay. A socket that had none for that long gets one right after the frames of the
// current turn of the event loop (one message, or a page of replay): a quiet conversation's
// messages are proven within a round trip, so a reload right after reading them replays nothing.
// Frames within the delay after a ping are proven by one ping at its end.
import type { Logger } from '../log/logger.js';
import type { MessageLog, StoredMessage } from '../store/store.js';

export const REPLAY_PAGE = 200;

/** What the deliverer needs of a connection. */
export interface DeliveryTarget {
  readonly id: string;
  /** Sends one message, framed in the connection's own protocol. */
  deliver(message: StoredMessage): void;
  /** Sends a ping; returns its number. */
  ping(): number;
  readonly open: boolean;
  /** True while the socket's unsent output is above its high-water mark. */
  congested(): boolean;
  /** Resolves when the output has drained below the mark, or the socket closed. */
  drained(): Promise<void>;
}

interface Subscription {
  target: DeliveryTarget;
  urn: string;
  cursor: number;
  pumping: boolean;
  dirty: boolean;
  /** Seq sent before each outstanding ping, oldest first. */
  proofs: Array<{ ping: number; seq: number }>;
  proven: number;
  closed: boolean;
  /** With onReceipt: seq and createdAt of platform messages sent and not yet proven, oldest first. */
  unproven?: Array<{ seq: number; createdAt: number }>;
  /** Replays that failed in a row (store unavailable); the next try waits longer. */
  replayFailures?: number;
}

/** First retry of a failed replay; doubles per failure up to REPLAY_RETRY_MAX. */
export const REPLAY_RETRY = 1_000;
export const REPLAY_RETRY_MAX = 30_000;

export interface DelivererOptions {
  receiptPingDelay: number;
  /** Start receiving notifications for a session before its store read (see Fanout.watch). */
  watch?: (urn: string) => Promise<void>;
  unwatch?: (urn: string) => void;
  onDelivered?: (urn: string, fromSeq: number, toSeq: number) => void;
  /** A platform message's receipt was proven by a connection (metrics: stored -> proven). */
  onReceipt?: (createdAt: number) => void;
}

export class Deliverer {
  private readonly byUrn = new Map<string, Set<Subscription>>();
  private readonly byTarget = new Map<string, Map<string, Subscription>>();
  private readonly receiptTimers = new Map<string, NodeJS.Timeout>();
  /** When each socket last got a receipt ping (see deliver). */
  private readonly lastReceiptPing = new Map<string, number>();

  constructor(
    private readonly store: Pick<MessageLog, 'readMessages' | 'getDeliveredSeq' | 'advanceDeliveredSeq'>,
    private readonly log: Logger,
    private readonly options: DelivererOptions,
  ) {}

  /** Number of live subscriptions (for metrics and leak checks). */
  get size(): number {
    let n = 0;
    for (const subs of this.byUrn.values()) n += subs.size;
    return n;
  }

  /** Live subscriptions to a session on this process (admin: its widget connections here). */
  subscribers(urn: string): number {
    return this.byUrn.get(urn)?.size ?? 0;
  }

  /** The connections subscribed to a session on this process. */
  subscriberIds(urn: string): string[] {
    return [...(this.byUrn.get(urn) ?? [])].map((sub) => sub.target.id);
  }

  async subscribe(target: DeliveryTarget, urn: string, since?: number): Promise<void> {
    if (this.byTarget.get(target.id)?.has(urn)) return; // same channel again: keep its cursor
    // Registered at once but "pumping" until its cursor is known, so notifications that arrive
    // meanwhile only mark it dirty; they are read from the store right after.
    const sub: Subscription = { target, urn, cursor: -1, pumping: true, dirty: false, proofs: [], proven: -1, closed: false };
    let subs = this.byUrn.get(urn);
    if (!subs) this.byUrn.set(urn, (subs = new Set()));
    subs.add(sub);
    let mine = this.byTarget.get(target.id);
    if (!mine) this.byTarget.set(target.id, (mine = new Map<string, Subscription>()));
    mine.set(urn, sub);
    try {
      // Watch first, read second: anything stored after the read is then notified.
      await this.options.watch?.(urn);
      const delivered = await this.store.getDeliveredSeq(urn);
      let start = since ?? delivered;
      if (since !== undefined) {
        // A `since` past the newest message (stale client storage) must not skip the messages
        // that come next: clamp it to the newest seq there is.
        const [newest] = await this.store.readMessages(urn, { newestFirst: true, limit: 1 });
        start = Math.min(since, newest?.seq ?? 0);
      }
      sub.cursor = sub.proven = start;
    } catch (err) {
      this.log.warn({ err, urn }, 'subscription setup failed');
      this.remove(sub);
      return;
    }
    sub.pumping = false;
    if (!sub.closed) void this.pump(sub);
  }

  /** Notifications may have been lost (fanout reconnected): re-read the store for everyone. */
  resync(): void {
    for (const subs of this.byUrn.values()) for (const sub of subs) if (sub.cursor >= 0) void this.pump(sub);
  }

  unsubscribe(target: DeliveryTarget, urn: string): void {
    const sub = this.byTarget.get(target.id)?.get(urn);
    if (sub) this.remove(sub);
  }

  /** The socket closed: forget it. Unproven messages stay undelivered in the store. */
  detach(target: DeliveryTarget): void {
    const mine = this.byTarget.get(target.id);
    if (mine) for (const sub of [...mine.values()]) this.remove(sub);
    clearTimeout(this.receiptTimers.get(target.id));
    this.receiptTimers.delete(target.id);
    this.lastReceiptPing.delete(target.id);
  }

  private remove(sub: Subscription): void {
    if (sub.closed) return;
    sub.closed = true;
    this.options.unwatch?.(sub.urn);
    const subs = this.byUrn.get(sub.urn);
    subs?.delete(sub);
    if (subs && subs.size === 0) this.byUrn.delete(sub.urn);
    const mine = this.byTarget.get(sub.target.id);
    mine?.delete(sub.urn);
    if (mine && mine.size === 0) this.byTarget.delete(sub.target.id);
  }

  /** A message was stored (here or on another node). */
  onMessage(message: StoredMessage): void {
    const subs = this.byUrn.get(message.urn);
    if (!subs) return;
    for (const sub of subs) {
      if (sub.pumping) {
        sub.dirty = true;
      } else if (message.seq === sub.cursor + 1 && !sub.target.congested()) {
        this.deliver(sub, message);
      } else if (message.seq > sub.cursor) {
        void this.pump(sub);
      }
    }
  }

  /** A ping we sent was answered: everything sent before it was received. */
  onPong(target: DeliveryTarget, pingNumber: number): void {
    const mine = this.byTarget.get(target.id);
    if (!mine) return;
    for (const sub of mine.values()) {
      let proven = sub.proven;
      while (sub.proofs.length > 0 && sub.proofs[0]!.ping <= pingNumber) proven = sub.proofs.shift()!.seq;
      if (proven > sub.proven) {
        if (sub.unproven) this.reportReceipts(sub, proven);
        const from = sub.proven;
        sub.proven = proven;
        this.store.advanceDeliveredSeq(sub.urn, proven).then(
          () => this.options.onDelivered?.(sub.urn, from, proven),
          (err: unknown) => this.log.warn({ err, urn: sub.urn }, 'could not record delivery'),
        );
      }
    }
  }

  /** Called by the connection for every ping it sends, so proofs line up with pings. */
  onPing(target: DeliveryTarget, pingNumber: number): void {
    const mine = this.byTarget.get(target.id);
    if (!mine) return;
    for (const sub of mine.values()) {
      if (sub.cursor > sub.proven && (sub.proofs.length === 0 || sub.proofs[sub.proofs.length - 1]!.seq < sub.cursor)) {
        sub.proofs.push({ ping: pingNumber, seq: sub.cursor });
      }
    }
  }

  private deliver(sub: Subscription, message: StoredMessage): void {
    sub.cursor = message.seq; // before the ping: onPing records the cursor as what it proves
    const target = sub.target;
    if (message.direction !== 'out' || !target.open) return;
    target.deliver(message);
    if (this.options.onReceipt) (sub.unproven ??= []).push({ seq: message.seq, createdAt: message.createdAt });
    this.scheduleReceiptPing(target);
  }

  private reportReceipts(sub: Subscription, proven: number): void {
    const list = sub.unproven!;
    const now = Date.now();
    while (list.length > 0 && list[0]!.seq <= proven) this.options.onReceipt!(now - list.shift()!.createdAt);
  }

  private scheduleReceiptPing(target: DeliveryTarget): void {
    if (this.receiptTimers.has(target.id)) return; // the ping already due covers this frame too
    const last = this.lastReceiptPing.get(target.id);
    // 0: the timers phase of the next loop iteration, after every frame sent in this turn.
    const wait = last === undefined ? 0 : Math.max(0, last + this.options.receiptPingDelay - Date.now());
    const timer = setTimeout(() => {
      this.receiptTimers.delete(target.id);
      this.lastReceiptPing.set(target.id, Date.now());
      if (target.open) target.ping();
    }, wait);
    timer.unref();
    this.receiptTimers.set(target.id, timer);
  }

  /** Reads the store from the cursor until caught up, sending what it finds in order. */
  private async pump(sub: Subscription): Promise<void> {
    if (sub.pumping) {
      sub.dirty = true;
      return;
    }
    sub.pumping = true;
    try {
      do {
        sub.dirty = false;
        const page = await this.store.readMessages(sub.urn, { afterSeq: sub.cursor, limit: REPLAY_PAGE });
        if (sub.closed) return;
        for (const m of page) {
          if (m.seq <= sub.cursor) continue;
          // A backlog is paced by what the socket takes: a slow link gets it over time instead
          // of overflowing the buffer bound and being closed (and replaying it again).
          if (sub.target.congested()) await sub.target.drained();
          if (sub.closed) return;
          this.deliver(sub, m);
        }
        if (page.length === REPLAY_PAGE) sub.dirty = true;
      } while (sub.dirty && !sub.closed);
      sub.replayFailures = 0;
    } catch (err) {
      // The store is unavailable (e.g. a Redis failover): try again by itself, so messages stored
      // meanwhile do not wait for the session's next message.
      const failures = (sub.replayFailures = (sub.replayFailures ?? 0) + 1);
      const delay = Math.min(REPLAY_RETRY * 2 ** (failures - 1), REPLAY_RETRY_MAX);
      this.log.warn({ err, urn: sub.urn, retryInMs: delay }, 'replay failed; retrying');
      setTimeout(() => {
        if (!sub.closed) void this.pump(sub);
      }, delay).unref();
    } finally {
      sub.pumping = false;
    }
  }
}
