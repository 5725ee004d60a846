// Timed upkeep of the store: retention (HISTORY_MAX_AGE, HISTORY_MAX_MESSAGES) every
// RETENTION_INTERVAL and once at start, and with STATUS_CALLBACKS the hunt for platform messages
// nobody received within DELIVERY_MAX_AGE (reported `failed`). Uploaded files expire with the
// messages (HISTORY_MAX_AGE).
import type { Logger } from '../log/logger.js';
import type { StatusReports } from '../platform/status-reports.js';
import type { WithMedia } from '../store/media-role.js';
import type { Maintenance as MaintenanceRole } from '../store/store.js';

/** How often retention runs. */
export const RETENTION_INTERVAL = 60 * 60_000;
/** How often undelivered messages past DELIVERY_MAX_AGE are looked for (STATUS_CALLBACKS). */
export const EXPIRY_CHECK_INTERVAL = 60_000;

export interface MaintenanceOptions {
  historyMaxAge: number;
  historyMaxMessages: number;
  deliveryMaxAge: number;
}

export class Maintenance {
  private retentionTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: MaintenanceRole & WithMedia,
    private readonly statusReports: StatusReports | undefined,
    private readonly options: MaintenanceOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.retentionTimer = setInterval(() => void this.runRetention(), RETENTION_INTERVAL);
    this.retentionTimer.unref();
    void this.runRetention();
    if (this.statusReports) {
      this.expiryTimer = setInterval(() => void this.reportExpired(), Math.min(EXPIRY_CHECK_INTERVAL, this.options.deliveryMaxAge));
      this.expiryTimer.unref();
    }
  }

  stop(): void {
    clearInterval(this.retentionTimer);
    clearInterval(this.expiryTimer);
  }

  /** STATUS_CALLBACKS: report `failed` for platform messages nobody received within DELIVERY_MAX_AGE. */
  async reportExpired(): Promise<number> {
    return this.statusReports?.expired() ?? 0;
  }

  private async runRetention(): Promise<void> {
    try {
      const { historyMaxAge: maxAge, historyMaxMessages: maxMessagesPerSession } = this.options;
      const removed = await this.store.prune({ now: Date.now(), maxAge, maxMessagesPerSession });
      if (removed > 0) this.log.info({ removed }, 'retention removed old messages');
      const files = await this.store.media.prune(Date.now() - maxAge);
      if (files > 0) this.log.info({ files }, 'retention removed old files');
    } catch (err) {
      this.log.warn({ err }, 'retention failed');
    }
  }
}
