// Delivery and failure reports to the platform (STATUS_CALLBACKS), timed so that they stick.
//
// Courier writes its own status for a message it sent (W/S) through a queue flushed every
// 500 ms, and sets a status unconditionally: a `delivered` that reaches it within milliseconds of
// its own send record can be overwritten by that later W. So a report waits until STATUS_DELAY
// after the /send that carried the message (the latest part of it, for a message sent in parts)
// was answered, and a report that does not get through is tried again with backoff.
//
// One pending report per platform message and session: parts of one message, several tabs proving
// the same message, and a `failed` followed by a `delivered` all fold into one report (the latest
// kind wins). Pending reports live in this process only; stop() drops them (and says how many).
import type { Logger } from '../log/logger.js';
import type { ForwardResult, StatusKind } from './connector.js';
import { backoffDelay } from './outbox-worker.js';

export interface StatusReport {
  kind: StatusKind;
  urn: string;
  /** The platform's id of the message. */
  id: string;
  /** Attempts made so far. */
  attempts: number;
  /** For a message whose session is gone: the channel to report on (see StatusReports.dropped). */
  channelUuid?: string;
}

export interface StatusReporterOptions {
  /** STATUS_DELAY: earliest report after the /send that carried the message was answered. */
  delay: number;
  /** Backoff of a report that did not get through: first delay, doubling (with jitter) to retryMax. */
  retryBase: number;
  retryMax: number;
  /** Attempts before a report is given up (logged). */
  maxAttempts: number;
  send(report: StatusReport): Promise<ForwardResult>;
  log: Logger;
  random?: () => number;
}

export const STATUS_RETRY_BASE = 1_000;
export const STATUS_RETRY_MAX = 60_000;
export const STATUS_MAX_ATTEMPTS = 8;

interface Pending {
  report: StatusReport;
  /** Not sent before this time. */
  notBefore: number;
  timer: NodeJS.Timeout | undefined;
  sending: boolean;
}

export interface StatusReporterStats {
  pending: number;
  sent: number;
  retried: number;
  gaveUp: number;
}

const keyOf = (urn: string, id: string): string => `${urn}\n${id}`;

export class StatusReporter {
  private readonly pending = new Map<string, Pending>();
  /** When /send last answered for a message (urn + platform id), kept for `delay`. */
  private readonly answered = new Map<string, number>();
  private readonly counts = { sent: 0, retried: 0, gaveUp: 0 };
  private stopped = false;
  private drainWaiters: Array<() => void> = [];

  constructor(private readonly options: StatusReporterOptions) {}

  /** The webhook answered a /send carrying (a part of) this message. */
  noteAnswered(urn: string, id: string, at = Date.now()): void {
    const key = keyOf(urn, id);
    this.answered.delete(key); // re-inserted last: the map stays in time order
    this.answered.set(key, at);
    this.forgetOldAnswers(at);
    const p = this.pending.get(key);
    if (p && !p.sending && at + this.options.delay > p.notBefore) this.arm(key, p, at + this.options.delay);
  }

  /**
   * Reports `kind` for the platform message `id` of session `urn`; `storedAt` is when its latest
   * known part was stored (the /send was answered right after: on another process or before a
   * restart, this is all that is known).
   */
  report(kind: StatusKind, urn: string, id: string, storedAt: number, channelUuid?: string): void {
    if (this.stopped) return;
    const key = keyOf(urn, id);
    const notBefore = Math.max(storedAt, this.answered.get(key) ?? 0) + this.options.delay;
    const p = this.pending.get(key);
    if (p) {
      p.report.kind = kind;
      if (!p.sending && notBefore > p.notBefore) this.arm(key, p, notBefore);
      return;
    }
    const fresh: Pending = {
      report: { kind, urn, id, attempts: 0, ...(channelUuid !== undefined ? { channelUuid } : {}) },
      notBefore,
      timer: undefined,
      sending: false,
    };
    this.pending.set(key, fresh);
    this.arm(key, fresh, notBefore);
  }

  stats(): StatusReporterStats {
    return { pending: this.pending.size, ...this.counts };
  }

  /**
   * Resolves once no report is pending (each still waits for its time, and retries keep their
   * backoff): graceful shutdown waits for this, bounded by its own deadline, then calls stop().
   */
  drained(): Promise<void> {
    if (this.pending.size === 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Drops pending reports; returns how many were dropped. */
  stop(): number {
    this.stopped = true;
    this.settleDrain();
    const dropped = this.pending.size;
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    this.answered.clear();
    if (dropped > 0) this.options.log.warn({ dropped }, 'status reports not yet sent were dropped at shutdown');
    return dropped;
  }

  private arm(key: string, p: Pending, notBefore: number): void {
    clearTimeout(p.timer);
    p.notBefore = notBefore;
    p.timer = setTimeout(() => void this.fire(key, p), Math.max(0, notBefore - Date.now()));
    p.timer.unref();
  }

  private async fire(key: string, p: Pending): Promise<void> {
    if (this.pending.get(key) !== p) return;
    p.timer = undefined;
    p.sending = true;
    const kind = p.report.kind;
    p.report.attempts++;
    let result: ForwardResult;
    try {
      result = await this.options.send({ ...p.report });
    } catch (err) {
      result = { outcome: 'retry', reason: (err as Error).message };
    }
    p.sending = false;
    if (this.stopped || this.pending.get(key) !== p) return;
    const log = { urn: p.report.urn, id: p.report.id, kind, attempts: p.report.attempts };
    if (result.outcome === 'accepted' && p.report.kind === kind) {
      this.pending.delete(key);
      this.counts.sent++;
      if (this.pending.size === 0) this.settleDrain();
      return;
    }
    if (result.outcome === 'accepted') {
      // The kind changed while this one was on its way: send the newer one too.
      this.counts.sent++;
      p.report.attempts = 0;
      this.arm(key, p, Date.now());
      return;
    }
    if (result.outcome === 'rejected' || p.report.attempts >= this.options.maxAttempts) {
      this.pending.delete(key);
      this.counts.gaveUp++;
      if (this.pending.size === 0) this.settleDrain();
      this.options.log.warn({ ...log, reason: result.reason }, 'status report given up');
      return;
    }
    this.counts.retried++;
    const wait = Math.max(result.retryAfterMs ?? 0, backoffDelay(p.report.attempts - 1, this.options.retryBase, this.options.retryMax, this.options.random));
    this.options.log.info({ ...log, reason: result.reason, retryInMs: wait }, 'status report not accepted; will retry');
    this.arm(key, p, Date.now() + wait);
  }

  private settleDrain(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private forgetOldAnswers(now: number): void {
    // Insertion order is time order (see noteAnswered).
    for (const [key, at] of this.answered) {
      if (at + this.options.delay >= now) break;
      this.answered.delete(key);
    }
  }
}
