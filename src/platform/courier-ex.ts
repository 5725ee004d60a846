// RapidPro / courier "External" (EX) channel dialect.
//   user -> platform:  POST {base}/c/ex/{channel}/receive   form: from, text, date (a file: its URL in text)
//   status:            POST {base}/c/ex/{channel}/{delivered|failed}   form: id
// Courier's External receive reads only from, text and date: a WWC widget's context goes in the
// text as weni-webchat-socket writes it ("<text>; Context: <context>"); contact fields have no
// place here and stay in the gateway's store (docs/wwc.md, "Context and contact fields").
import type { Agent } from 'undici';
import type { Logger } from '../log/logger.js';
import type { SessionRecord, StoredMessage } from '../store/store.js';
import type { ForwardEntry, ForwardResult, PlatformConnector, StatusKind } from './connector.js';
import { platformAgent, postToPlatform } from './http-post.js';
import { extrasOf, textWithContext } from './user-extras.js';

export interface CourierExOptions {
  timeout: number;
  log: Logger;
}

export class CourierExConnector implements PlatformConnector {
  // One keep-alive pool for all platform calls. Redirects are never followed (undici's
  // request() only follows them with an interceptor), so a platform cannot bounce us elsewhere.
  private readonly agent: Agent;

  constructor(private readonly options: CourierExOptions) {
    this.agent = platformAgent(options.timeout);
  }

  /**
   * Courier's External receive handler reads only from, text and date (handlers/external): it
   * takes no attachment. A file goes as its URL in the text, after the caption.
   */
  static text(entry: ForwardEntry): string {
    if (!entry.media) return entry.text;
    return entry.text === '' ? entry.media.url : `${entry.text}\n${entry.media.url}`;
  }

  async forward(entry: ForwardEntry, session: SessionRecord, base: string): Promise<ForwardResult> {
    const text = textWithContext(CourierExConnector.text(entry), extrasOf(entry).context);
    const form = new URLSearchParams({ from: entry.urn, text, date: new Date(entry.createdAt).toISOString() });
    return this.post(session, base, 'receive', form);
  }

  async reportStatus(kind: StatusKind, message: StoredMessage, session: SessionRecord, base: string): Promise<ForwardResult> {
    return this.post(session, base, kind, new URLSearchParams({ id: message.id }));
  }

  private async post(session: SessionRecord, base: string, action: string, form: URLSearchParams): Promise<ForwardResult> {
    const url = `${base}/c/ex/${encodeURIComponent(session.channelUuid)}/${action}`;
    return postToPlatform(this.agent, url, 'application/x-www-form-urlencoded', form.toString(), this.options.timeout);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
