// Wraps a platform connector so the entries it forwards carry their file (if any): the outbox
// stores only the message, the media role knows which message carries which file.
import type { MediaService } from '../core/media.js';
import type { MediaRecord } from '../store/media-role.js';
import type { SessionRecord, StoredMessage } from '../store/store.js';
import type { ForwardEntry, ForwardResult, PlatformConnector, StatusKind } from './connector.js';

export class MediaForwarder implements PlatformConnector {
  constructor(
    private readonly inner: PlatformConnector,
    private readonly media: MediaService,
  ) {}

  async forward(entry: ForwardEntry, session: SessionRecord, base: string): Promise<ForwardResult> {
    let record: MediaRecord | undefined;
    try {
      record = (await this.media.store.forMessages(entry.urn, [entry.messageId])).get(entry.messageId);
    } catch (err) {
      return { outcome: 'retry', reason: `media store: ${(err as Error).message}` };
    }
    if (!record) return this.inner.forward(entry, session, base);
    const media = {
      kind: record.kind,
      contentType: record.contentType,
      url: this.media.url(record),
      ...(record.caption !== undefined ? { caption: record.caption } : {}),
    };
    return this.inner.forward({ ...entry, media }, session, base);
  }

  reportStatus(kind: StatusKind, message: StoredMessage, session: SessionRecord, base: string): Promise<ForwardResult> {
    return this.inner.reportStatus(kind, message, session, base);
  }
}
