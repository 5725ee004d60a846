// Platform messages for widgets, whatever brought them (the webhook or the demo bot): stored once
// (a repeated id is answered with the stored copy), counted, then handed to delivery.
import type { Fanout } from '../delivery/fanout.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics.js';
import type { RateWindow } from '../admin/rate-window.js';
import type { PlatformMessage } from '../platform/normalize.js';
import type { StatusReports } from '../platform/status-reports.js';
import type { MessageLog, StoredMessage } from '../store/store.js';
import { storeWriteError } from './store-errors.js';

export interface IngestDeps {
  store: Pick<MessageLog, 'appendOutbound'>;
  fanout: Fanout;
  metrics: Metrics;
  /** Messages per minute to widgets, for /admin/. */
  rate: RateWindow;
  log: Logger;
  /** STATUS_CALLBACKS */
  statusReports: StatusReports | undefined;
}

export class Ingest {
  constructor(private readonly deps: IngestDeps) {}

  async message(m: PlatformMessage): Promise<{ message: StoredMessage; duplicate: boolean }> {
    const { store, fanout, metrics, rate, log } = this.deps;
    let result: { message: StoredMessage; duplicate: boolean };
    try {
      result = await store.appendOutbound(m.to, { id: m.id, text: m.text, payload: m, createdAt: Date.now() });
    } catch (err) {
      throw storeWriteError(err, log, 'platform message', m.to, `No session has the urn ${JSON.stringify(m.to.slice(0, 160))}.`);
    }
    if (!result.duplicate) {
      metrics.messages.inc({ direction: 'out' });
      rate.add();
      fanout.publish(result.message);
    }
    log.debug({ urn: m.to, seq: result.message.seq, id: m.id, duplicate: result.duplicate, text: m.text }, 'platform message accepted');
    return result;
  }

  /** A message for a urn without a session: accepted (so the platform does not retry), counted, reported `failed`. */
  dropped(m: PlatformMessage, reason: string): void {
    this.deps.metrics.webhookDropped.inc({ reason });
    this.deps.log.warn({ urn: m.to.slice(0, 160), id: m.id, reason }, 'platform message for an unknown session accepted and dropped');
    this.deps.statusReports?.dropped(m.to, m.id, m.channel);
  }
}
