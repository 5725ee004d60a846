// RapidPro / courier "External" (EX) channel dialect.
//   user -> platform:  POST {base}/c/ex/{channel}/receive   form: from, text, date
//   status:            POST {base}/c/ex/{channel}/{delivered|failed}   form: id
import { Agent, request } from 'undici';
import type { Logger } from '../log/logger.js';
import type { OutboxEntry, SessionRecord, StoredMessage } from '../store/store.js';
import type { ForwardResult, PlatformConnector, StatusKind } from './connector.js';

export interface CourierExOptions {
  timeout: number;
  log: Logger;
}

/** Parses Retry-After (seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class CourierExConnector implements PlatformConnector {
  // One keep-alive pool for all platform calls. Redirects are never followed (undici's
  // request() only follows them with an interceptor), so a platform cannot bounce us elsewhere.
  private readonly agent: Agent;

  constructor(
    private readonly baseUrlFor: (session: SessionRecord) => string,
    private readonly options: CourierExOptions,
  ) {
    this.agent = new Agent({
      connections: 64,
      headersTimeout: options.timeout,
      bodyTimeout: options.timeout,
      connectTimeout: options.timeout,
    });
  }

  async forward(entry: OutboxEntry, session: SessionRecord): Promise<ForwardResult> {
    const form = new URLSearchParams({ from: entry.urn, text: entry.text, date: new Date(entry.createdAt).toISOString() });
    return this.post(session, 'receive', form);
  }

  async reportStatus(kind: StatusKind, message: StoredMessage, session: SessionRecord): Promise<ForwardResult> {
    return this.post(session, kind, new URLSearchParams({ id: message.id }));
  }

  private async post(session: SessionRecord, action: string, form: URLSearchParams): Promise<ForwardResult> {
    const url = `${this.baseUrlFor(session)}/c/ex/${encodeURIComponent(session.channelUuid)}/${action}`;
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.options.timeout),
      });
      // Drain the body so the connection returns to the pool.
      await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
      const status = res.statusCode;
      if (status >= 200 && status < 300) return { outcome: 'accepted' };
      if (status === 408 || status === 429 || status >= 500) {
        const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
        return { outcome: 'retry', reason: `HTTP ${status}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
      }
      if (status >= 300 && status < 400) return { outcome: 'rejected', reason: `HTTP ${status}: redirects are not followed` };
      return { outcome: 'rejected', reason: `HTTP ${status}` };
    } catch (err) {
      return { outcome: 'retry', reason: `network: ${(err as Error).message}` };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
