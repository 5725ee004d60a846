// STATUS_CALLBACKS: what gets reported. A platform message a widget has proven to hold is
// reported `delivered`; one nobody received within DELIVERY_MAX_AGE is reported `failed` (each
// once across all processes: the store hands it out once). When each report is sent, and how it
// is retried, is the StatusReporter's job.
import type { Logger } from '../log/logger.js';
import { platformIdOf, type Maintenance, type MessageLog, type SessionRecord, type SessionStore, type StoredMessage } from '../store/store.js';
import type { PlatformRoute } from './connector.js';
import { STATUS_MAX_ATTEMPTS, STATUS_RETRY_BASE, STATUS_RETRY_MAX, StatusReporter } from './status-reporter.js';

export const EXPIRY_BATCH = 500;

export interface StatusReportsOptions {
  store: Pick<SessionStore, 'getSession'> & Pick<MessageLog, 'readMessages'> & Pick<Maintenance, 'takeExpiredUndelivered'>;
  log: Logger;
  routeFor(session: SessionRecord): PlatformRoute;
  /** STATUS_DELAY */
  delay: number;
  /** DELIVERY_MAX_AGE */
  deliveryMaxAge: number;
  /**
   * The channel to report a dropped message (unknown session) on, given the channel the platform
   * named in the webhook body, or null when it cannot be told which platform sent it (several
   * are allowed: a report to the wrong one could mark another message failed).
   */
  channelForDropped(named: string | undefined): string | null;
}

export class StatusReports {
  readonly reporter: StatusReporter;

  constructor(private readonly o: StatusReportsOptions) {
    this.reporter = new StatusReporter({
      delay: o.delay,
      retryBase: STATUS_RETRY_BASE,
      retryMax: STATUS_RETRY_MAX,
      maxAttempts: STATUS_MAX_ATTEMPTS,
      log: o.log,
      send: async (r) => {
        // A dropped message's session is gone: it is reported on the default platform.
        const session = r.channelUuid !== undefined ? { urn: r.urn, channelUuid: r.channelUuid, hostApi: null, createdAt: 0 } : await o.store.getSession(r.urn);
        if (!session) return { outcome: 'rejected', reason: 'the session was ended' };
        // reportStatus names the message by its id: the platform's.
        const message: StoredMessage = { urn: r.urn, seq: 0, direction: 'out', id: r.id, text: '', payload: {}, createdAt: 0 };
        return o.routeFor(session).reportStatus(r.kind, message);
      },
    });
  }

  /** The webhook answered a /send carrying this message: its report waits STATUS_DELAY from now. */
  answered(message: StoredMessage): void {
    this.reporter.noteAnswered(message.urn, platformIdOf(message));
  }

  /**
   * A message for a urn without a session was accepted and dropped: report it `failed` (after
   * STATUS_DELAY, like any report), so the platform shows it was not delivered, when the platform
   * that sent it is known.
   */
  dropped(urn: string, id: string, namedChannel: string | undefined): void {
    const channel = this.o.channelForDropped(namedChannel);
    if (channel === null) return;
    this.reporter.noteAnswered(urn, id);
    this.reporter.report('failed', urn, id, Date.now(), channel);
  }

  /** A widget of `urn` proved it holds the messages after `fromSeq` up to `toSeq`. */
  async delivered(urn: string, fromSeq: number, toSeq: number): Promise<void> {
    try {
      const messages = await this.o.store.readMessages(urn, { afterSeq: fromSeq, beforeSeq: toSeq + 1, direction: 'out', limit: 1000 });
      for (const m of messages) this.reporter.report('delivered', urn, platformIdOf(m), m.createdAt);
    } catch (err) {
      this.o.log.warn({ err, urn }, 'delivery report failed');
    }
  }

  /** Reports `failed` for platform messages nobody received within DELIVERY_MAX_AGE; returns how many. */
  async expired(): Promise<number> {
    let reported = 0;
    try {
      for (;;) {
        const expired = await this.o.store.takeExpiredUndelivered(Date.now() - this.o.deliveryMaxAge, EXPIRY_BATCH);
        for (const m of expired) {
          this.reporter.report('failed', m.urn, platformIdOf(m), m.createdAt);
          reported++;
        }
        if (expired.length < EXPIRY_BATCH) break;
      }
    } catch (err) {
      this.o.log.warn({ err }, 'expiry report failed');
    }
    if (reported > 0) this.o.log.warn({ reported }, 'platform messages expired undelivered');
    return reported;
  }

  /** Waits until the pending reports are sent (pair with a deadline); the timers it waits on are unref'd, so it holds the process open itself. */
  async drained(): Promise<void> {
    const keepAlive = setInterval(() => {}, 1000);
    try {
      await this.reporter.drained();
    } finally {
      clearInterval(keepAlive);
    }
  }

  stop(): void {
    this.reporter.stop();
  }
}
