// Courier's Weni Web Chat (WWC) channel dialect (../shared/docs/wwc-protocol.md §5.2):
//   user -> platform:  POST {base}/c/wwc/{channel}/receive   JSON
//     {type:"message", from, message:{type:"text", timestamp:"<unix seconds>", text}, context?, contact_fields?}
// with a real Content-Type (weni-webchat-socket sends form-urlencoded over a JSON body). 2xx is
// done, 400 (courier's validation failure) is failed for good, 5xx/429/408/network are retried;
// a file's 400 is retried too (courier could not download it: docs/courier.md).
// As weni-webchat-socket does, a context is appended to the text ("; Context: ...") and also sent
// as `context`; courier's handler reads `contact_fields` (map of strings: the contact's new fields)
// and ignores `context`. Courier's WWC handler has only the receive route (no delivered/failed
// endpoints): STATUS_CALLBACKS has nothing to call for this channel.
import type { Agent } from 'undici';
import type { SessionRecord } from '../store/store.js';
import type { ForwardEntry, ForwardResult, PlatformConnector } from './connector.js';
import { platformAgent, postToPlatform } from './http-post.js';
import { extrasOf, textWithContext } from './user-extras.js';

export class CourierWwcConnector implements PlatformConnector {
  private readonly agent: Agent;

  constructor(private readonly options: { timeout: number }) {
    this.agent = platformAgent(options.timeout);
  }

  /**
   * The JSON body courier's WWC receive handler expects: a text message, or a file as
   * `{type, timestamp, media_url, caption?}` (courier keeps media_url as the attachment); the
   * context and contact fields beside it.
   */
  static body(entry: ForwardEntry): string {
    const timestamp = String(Math.floor(entry.createdAt / 1000));
    const m = entry.media;
    const { context, contactFields } = extrasOf(entry);
    return JSON.stringify({
      type: 'message',
      from: entry.urn,
      message: m
        ? { type: m.kind, timestamp, media_url: m.url, ...(m.caption !== undefined && m.caption !== '' ? { caption: m.caption } : {}) }
        : { type: 'text', timestamp, text: textWithContext(entry.text, context) },
      ...(context ? { context } : {}),
      ...(contactFields ? { contact_fields: contactFields } : {}),
    });
  }

  async forward(entry: ForwardEntry, session: SessionRecord, base: string): Promise<ForwardResult> {
    const url = `${base}/c/wwc/${encodeURIComponent(session.channelUuid)}/receive`;
    const result = await postToPlatform(this.agent, url, 'application/json', CourierWwcConnector.body(entry), this.options.timeout);
    // Courier downloads a file while it receives it and answers 400 when it cannot (the gateway's
    // URL unreachable from courier, its own storage failing). The body is well formed by
    // construction, so a 400 for a file is retried like a 5xx (until OUTBOX_MAX_AGE), not dropped.
    if (entry.media && result.outcome === 'rejected' && result.reason === 'HTTP 400') {
      return { outcome: 'retry', reason: `HTTP 400: courier could not fetch ${entry.media.url} (is PUBLIC_URL reachable from courier?)` };
    }
    return result;
  }

  async reportStatus(): Promise<ForwardResult> {
    return { outcome: 'rejected', reason: "courier's WWC channel has no status endpoint" };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
