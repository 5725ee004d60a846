// Times every platform call for wg_platform_call_seconds{call, outcome}. Wraps any dialect.
import type { Metrics } from '../metrics.js';
import type { SessionRecord, StoredMessage } from '../store/store.js';
import type { ForwardEntry, ForwardResult, PlatformConnector, StatusKind } from './connector.js';

export class TimedConnector implements PlatformConnector {
  constructor(
    private readonly inner: PlatformConnector,
    private readonly metrics: Metrics,
  ) {}

  async forward(entry: ForwardEntry, session: SessionRecord, base: string): Promise<ForwardResult> {
    return this.time('forward', () => this.inner.forward(entry, session, base));
  }

  async reportStatus(kind: StatusKind, message: StoredMessage, session: SessionRecord, base: string): Promise<ForwardResult> {
    return this.time(kind, () => this.inner.reportStatus(kind, message, session, base));
  }

  private async time(call: string, fn: () => Promise<ForwardResult>): Promise<ForwardResult> {
    const end = this.metrics.platformCall.startTimer({ call });
    let outcome = 'error';
    try {
      const r = await fn();
      outcome = r.outcome;
      return r;
    } finally {
      end({ outcome });
    }
  }
}
