// Forwards stored user messages to the platform: in order per session, concurrently across
// sessions, with capped exponential backoff and jitter, until accepted or too old.
import { DEFAULT_OUTBOX_CONCURRENCY } from '../config/defaults.js';
import type { Logger } from '../log/logger.js';
import type { MessageLog, Outbox, OutboxEntry, SessionRecord, SessionStore } from '../store/store.js';
import type { PlatformRoute } from './connector.js';

/** Longest idle wait between looks at the store (another process may have added work). */
export const OUTBOX_POLL_INTERVAL = 1_000;
/**
 * While calls are in flight, a freed slot waits this long for others before claiming, so one
 * claim (a store transaction) fills several slots instead of one per completed call.
 */
export const OUTBOX_CLAIM_GATHER = 2;

export interface OutboxWorkerOptions {
  retryBase: number;
  retryMax: number;
  maxAge: number;
  /** How long a claimed entry stays ours; must exceed one platform call. */
  leaseMs: number;
  concurrency?: number;
}

export interface OutboxEvents {
  onAccepted?(entry: OutboxEntry): void;
  onRetry?(entry: OutboxEntry, reason: string): void;
  onFailed?(entry: OutboxEntry, reason: string): void;
}

/** Full-jitter-free "equal jitter": half fixed, half random, so retries spread but still grow. */
export function backoffDelay(attempt: number, base: number, max: number, random = Math.random): number {
  const exp = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.round(exp / 2 + random() * (exp / 2));
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class OutboxWorker {
  private inFlight = new Set<Promise<void>>();
  private running = false;
  private wakeUp: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;

  constructor(
    private readonly store: Outbox & Pick<SessionStore, 'getSession'> & Pick<MessageLog, 'readMessages'>,
    private readonly routeFor: (session: SessionRecord) => PlatformRoute,
    private readonly options: OutboxWorkerOptions,
    private readonly log: Logger,
    private readonly events: OutboxEvents = {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** New work may be due: look now instead of at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops claiming; waits for calls in flight (bounded by the platform timeout). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loopDone;
    await Promise.allSettled([...this.inFlight]);
  }

  private async loop(): Promise<void> {
    const concurrency = this.options.concurrency ?? DEFAULT_OUTBOX_CONCURRENCY;
    while (this.running) {
      let claimed: OutboxEntry[] = [];
      // Only a few slots free and calls still running: let more finish first (briefly).
      if (this.inFlight.size > 0 && concurrency - this.inFlight.size < Math.max(1, concurrency / 4)) await delay(OUTBOX_CLAIM_GATHER);
      const free = concurrency - this.inFlight.size;
      if (free > 0) {
        try {
          claimed = await this.store.claimOutbox(Date.now(), free, this.options.leaseMs);
        } catch (err) {
          this.log.warn({ err }, 'outbox claim failed; retrying');
        }
      }
      for (const entry of claimed) {
        const p: Promise<void> = this.process(entry).finally(() => {
          this.inFlight.delete(p);
          // The session's next entry is claimable now.
          this.wake();
        });
        this.inFlight.add(p);
      }
      if (claimed.length > 0 && claimed.length === free) continue;
      await this.sleep(claimed.length > 0 ? OUTBOX_POLL_INTERVAL : await this.idleWait());
    }
  }

  private async idleWait(): Promise<number> {
    try {
      const due = await this.store.nextOutboxDue();
      if (due === null) return OUTBOX_POLL_INTERVAL;
      return Math.max(0, Math.min(OUTBOX_POLL_INTERVAL, due - Date.now()));
    } catch {
      return OUTBOX_POLL_INTERVAL;
    }
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }

  private async process(entry: OutboxEntry): Promise<void> {
    try {
      const session = await this.store.getSession(entry.urn);
      if (!session) {
        // The session was deleted (admin); its queue goes with it.
        await this.store.completeOutbox(entry);
        return;
      }
      if (Date.now() - entry.createdAt > this.options.maxAge) {
        await this.fail(entry, `not accepted by the platform within OUTBOX_MAX_AGE after ${entry.attempts} attempts`);
        return;
      }
      let route: PlatformRoute;
      try {
        route = this.routeFor(session);
      } catch (err) {
        await this.fail(entry, (err as Error).message);
        return;
      }
      // What the message carries beside its text (WWC context, contact fields) is stored with it.
      const [stored] = await this.store.readMessages(entry.urn, { afterSeq: entry.seq - 1, direction: 'in', limit: 1 });
      const result = await route.forward(stored?.seq === entry.seq ? { ...entry, payload: stored.payload } : entry);
      if (result.outcome === 'accepted') {
        await this.store.completeOutbox(entry);
        this.events.onAccepted?.(entry);
      } else if (result.outcome === 'rejected') {
        await this.fail(entry, result.reason);
      } else {
        const delay = Math.max(result.retryAfterMs ?? 0, backoffDelay(entry.attempts, this.options.retryBase, this.options.retryMax));
        await this.store.retryOutbox(entry, Date.now() + delay, result.reason);
        this.log.warn(
          { urn: entry.urn, seq: entry.seq, attempt: entry.attempts + 1, reason: result.reason, nextDelayMs: delay },
          'platform call failed; will retry',
        );
        this.events.onRetry?.(entry, result.reason);
      }
    } catch (err) {
      // Store trouble: leave the lease to expire, and the entry will be tried again.
      this.log.error({ err, urn: entry.urn, seq: entry.seq }, 'outbox processing failed');
    }
  }

  private async fail(entry: OutboxEntry, reason: string): Promise<void> {
    await this.store.failOutbox(entry, reason);
    this.log.error({ urn: entry.urn, seq: entry.seq, id: entry.messageId, attempts: entry.attempts, reason }, 'user message given up (retry it from /admin/)');
    this.events.onFailed?.(entry, reason);
  }
}
