// Files visitors send, whatever the wire protocol: checked (media-check.ts), counted against the
// session's hourly budget, stored in the store's media role, then sent on as a user message
// whose id the media item carries. Also builds the public URL of a stored item, for the ack, the
// outbox and history. The gateway never fetches or proxies platform media: only uploads live here.
import { randomBytes } from 'node:crypto';
import { GatewayError } from '../errors/catalogue.js';
import type { Logger } from '../log/logger.js';
import { newMessageId } from '../sessions/ids.js';
import type { MediaRecord, MediaStore } from '../store/media-role.js';
import type { StoredMessage } from '../store/store.js';
import type { Conversation } from './conversation.js';
import { decodeMedia, type DecodedMedia, type MediaKind } from './media-check.js';
import { PerKeyQueue } from './per-key.js';

export const HOUR = 3600_000;
export const MAX_CAPTION = 4096;

/** 18 random bytes: 144 bits, 24 URL-safe characters. */
export function newMediaId(): string {
  return randomBytes(18).toString('base64url');
}

export interface MediaServiceDeps {
  media: MediaStore;
  conversation: Conversation;
  maxBytes: number;
  bytesPerHour: number;
  /** The base of media URLs, or null when it is not known (behind a proxy without PUBLIC_URL). */
  publicBase(): string | null;
  log: Logger;
  onStored?(size: number): void;
}

export interface Upload {
  message: StoredMessage;
  record: MediaRecord;
  url: string;
}

export class MediaService {
  private readonly budgetQueue = new PerKeyQueue();

  constructor(private readonly deps: MediaServiceDeps) {}

  get store(): MediaStore {
    return this.deps.media;
  }

  /** The absolute URL a stored item is served at. */
  url(record: Pick<MediaRecord, 'id' | 'filename'>): string {
    return `${this.deps.publicBase() ?? ''}/media/${record.id}/${encodeURIComponent(record.filename)}`;
  }

  /**
   * One upload from session `urn`: decoded and checked, within the hourly budget, stored, then
   * accepted as a user message (text = the caption) that the outbox sends on with the file's URL.
   * With a client message id, a repeat (a widget resending after a lost answer) is the same
   * upload: answered from the store, nothing stored or sent again, as for text.
   */
  async accept(urn: string, kind: MediaKind, dataUrl: unknown, caption?: string, clientMessageId?: string): Promise<Upload> {
    const base = this.deps.publicBase();
    if (base === null) {
      throw new GatewayError(
        'WG_ERR_MEDIA_DISABLED',
        'This gateway runs behind a proxy (TRUSTED_PROXIES) without PUBLIC_URL, so it cannot name file URLs; set PUBLIC_URL.',
      );
    }
    if (caption !== undefined && caption.length > MAX_CAPTION)
      throw new GatewayError('WG_ERR_TEXT_TOO_LONG', `caption is longer than ${MAX_CAPTION} characters.`);
    if (clientMessageId !== undefined) {
      const stored = await this.deps.conversation.findUserMessage(urn, clientMessageId);
      if (stored) return this.repeated(urn, stored, caption);
    }
    const file = decodeMedia(kind, dataUrl, this.deps.maxBytes);
    // The budget check and the write, one upload of a session at a time in this process: two
    // uploads at once (two tabs) would otherwise both pass the check and overrun the budget.
    const record = await this.budgetQueue.run(urn, () => this.storeWithinBudget(urn, file, caption));
    let message: StoredMessage;
    try {
      message = await this.deps.conversation.acceptUserMessage(urn, caption ?? '', clientMessageId, undefined, record.messageId);
    } catch (err) {
      await this.discard(record);
      throw err;
    }
    if (message.id !== record.messageId) {
      // A repeat of the same client message id got there first (two tabs, or a resend racing).
      await this.discard(record);
      return this.repeated(urn, message, caption);
    }
    this.deps.onStored?.(record.size);
    this.deps.log.info({ urn, media: record.id, type: record.contentType, size: record.size }, 'media accepted');
    return { message, record, url: this.url(record) };
  }

  /** The file stored if the session's last hour of uploads leaves room for it (MEDIA_BYTES_PER_HOUR). */
  private async storeWithinBudget(urn: string, file: DecodedMedia, caption: string | undefined): Promise<MediaRecord> {
    const now = Date.now();
    let used: number;
    try {
      used = await this.deps.media.bytesSince(urn, now - HOUR);
    } catch (err) {
      this.deps.log.error({ err, urn }, 'could not read the media budget');
      throw new GatewayError('WG_ERR_STORE_UNAVAILABLE');
    }
    if (used + file.bytes.length > this.deps.bytesPerHour) {
      throw new GatewayError(
        'WG_ERR_MEDIA_BUDGET',
        `this session sent ${used} bytes of files in the last hour; ${file.bytes.length} more would pass MEDIA_BYTES_PER_HOUR (${this.deps.bytesPerHour}).`,
      );
    }
    const record: MediaRecord = {
      id: newMediaId(),
      urn,
      messageId: newMessageId(),
      kind: file.kind,
      contentType: file.contentType,
      filename: file.filename,
      size: file.bytes.length,
      createdAt: now,
      ...(caption !== undefined && caption !== '' ? { caption } : {}),
    };
    // The file first: once the message is stored the outbox may send its URL at once.
    try {
      await this.deps.media.put(record, file.bytes);
    } catch (err) {
      this.deps.log.error({ err, urn }, 'could not store media');
      throw new GatewayError('WG_ERR_STORE_UNAVAILABLE');
    }
    return record;
  }

  /** The answer to a repeated upload: the stored message's file; a text message or another caption under that id is a reuse. */
  private async repeated(urn: string, message: StoredMessage, caption: string | undefined): Promise<Upload> {
    const record = (await this.forMessages(urn, [message])).get(message.id);
    if (!record || message.text !== (caption ?? ''))
      throw new GatewayError(
        'WG_ERR_CLIENT_MESSAGE_ID_REUSED',
        'This session already sent a different message with that client message id; give every message its own id.',
      );
    this.deps.log.debug({ urn, media: record.id }, 'upload repeated; answered from the store');
    return { message, record, url: this.url(record) };
  }

  /** Removes an item no message carries; a failure leaves it to retention. */
  private async discard(record: MediaRecord): Promise<void> {
    try {
      await this.deps.media.delete(record.id);
    } catch (err) {
      this.deps.log.warn({ err, urn: record.urn, media: record.id }, 'could not delete an unused upload; retention will');
    }
  }

  /** The files of these user messages as widgets and the admin API name them ({type, url}), by message id. */
  async attachmentsOf(urn: string, messages: readonly StoredMessage[]): Promise<Map<string, { type: string; url: string }>> {
    const files = await this.forMessages(urn, messages);
    return new Map([...files].map(([id, r]) => [id, { type: r.kind, url: this.url(r) }]));
  }

  /** The media of these user messages, by message id (history). */
  async forMessages(urn: string, messages: readonly StoredMessage[]): Promise<Map<string, MediaRecord>> {
    const ids = messages.filter((m) => m.direction === 'in').map((m) => m.id);
    return ids.length === 0 ? new Map() : this.deps.media.forMessages(urn, ids);
  }
}

/** What the base of file URLs depends on (the options PUBLIC_URL, TRUSTED_PROXIES, HOST, TLS_CERT). */
export interface MediaBaseConfig {
  publicUrl: string | undefined;
  trustedProxies: readonly unknown[];
  host: string;
  tlsCert: string | undefined;
}

/** The base of file URLs: PUBLIC_URL, else the listening address; null behind a proxy without PUBLIC_URL. */
export function mediaBase(c: MediaBaseConfig, port: number): string | null {
  if (c.publicUrl !== undefined) return c.publicUrl;
  if (c.trustedProxies.length > 0) return null;
  const host = c.host === '0.0.0.0' || c.host === '::' ? '127.0.0.1' : c.host.includes(':') ? `[${c.host}]` : c.host;
  return `${c.tlsCert !== undefined ? 'https' : 'http'}://${host}:${port}`;
}

/** The start-up warning when files are on and their URLs may not reach the platform or browsers; undefined when all is well. */
export function mediaStartWarning(
  c: MediaBaseConfig & { maxMediaBytes: number; platformUrl: string | undefined; platformHosts: readonly string[] },
  port: number,
): string | undefined {
  const platform = c.platformUrl !== undefined || c.platformHosts.length > 0;
  if (c.maxMediaBytes <= 0 || c.publicUrl !== undefined || !(platform || c.trustedProxies.length > 0)) return undefined;
  return c.trustedProxies.length > 0
    ? 'PUBLIC_URL is not set behind a proxy (TRUSTED_PROXIES): file uploads are refused until PUBLIC_URL names the public base URL of the gateway'
    : `PUBLIC_URL is not set: file URLs start with ${mediaBase(c, port) ?? ''}, which the platform and browsers on other hosts may not reach`;
}
