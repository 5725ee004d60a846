// Server frames of the WWC protocol (weni-webchat-socket's JSON frames; see
// ../shared/docs/wwc-protocol.md §3). Only the fields the clients read are written: both
// push-webchat 2.11.0 and @weni/webchat-service 1.5.0 ignore the Go server's empty extras.
import type { StoredMessage } from '../../store/store.js';

/** Message types push-webchat can render from history; anything else aborts its history list. */
const RENDERABLE = new Set(['text', 'image', 'video', 'audio', 'file']);

/** Exact strings the clients match on. */
export const ERR_ALREADY_EXISTS = 'unable to register: client from already exists';
export const ERR_NOT_REGISTERED = 'unable to redirect: id and url is blank';
export const WARNING_CLOSED = 'Connection closed by request';

export function errorFrame(error: string): string {
  return JSON.stringify({ type: 'error', error });
}

export function simpleFrame(type: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type, ...extra });
}

/** Unix seconds with the fraction kept: webchat-service sorts by time, so same-second messages keep their order. */
function seconds(ms: number): number {
  return ms / 1000;
}

/** The platform's `message` object of a stored platform message (WWC bodies keep it; EX ones are text). */
function platformMessage(m: StoredMessage): Record<string, unknown> {
  const nested = m.payload['message'];
  const base: Record<string, unknown> =
    nested !== null && typeof nested === 'object' && !Array.isArray(nested) ? { ...(nested as Record<string, unknown>) } : externalFile(m);
  if (typeof base['type'] !== 'string') base['type'] = 'text';
  if (base['type'] === 'text' || base['text'] === undefined) base['text'] = m.text;
  const qr = m.payload['quick_replies'];
  if (Array.isArray(qr) && qr.length > 0) base['quick_replies'] = qr;
  else delete base['quick_replies'];
  if (typeof base['timestamp'] !== 'string' || base['timestamp'] === '') base['timestamp'] = String(Math.floor(m.createdAt / 1000));
  return withMedia(base);
}

/**
 * A platform message without a WWC `message` (courier's External channel: its files are URL lines
 * after the text, given as `attachments`): its first file as the WWC file message, the rest of
 * the text (other files' URLs included) as the caption. WWC clients show one file per message.
 */
function externalFile(m: StoredMessage): Record<string, unknown> {
  const files = m.payload['attachments'];
  const first: unknown = Array.isArray(files) ? files[0] : undefined;
  if (typeof first !== 'object' || first === null) return {};
  const { type, url } = first as Record<string, unknown>;
  if (typeof type !== 'string' || !RENDERABLE.has(type) || type === 'text' || typeof url !== 'string') return {};
  const caption = m.text
    .split('\n')
    .filter((line) => line.trim() !== url)
    .join('\n')
    .trim();
  return { type, media_url: url, text: caption, ...(caption !== '' ? { caption } : {}) };
}

/**
 * A file's URL under both names: push-webchat and history readers take `media_url`;
 * webchat-service's live message handler takes only `media`.
 */
function withMedia(message: Record<string, unknown>): Record<string, unknown> {
  const url = message['media_url'];
  if (message['type'] !== 'text' && typeof url === 'string' && url !== '') message['media'] = url;
  return message;
}

/** A platform message for the visitor: `message` with `to`, `from`, `channel_uuid`. */
export function messageFrame(m: StoredMessage, channelUuid: string): string {
  const from = m.payload['from'];
  return JSON.stringify({
    type: 'message',
    id: m.id,
    to: m.urn,
    from: typeof from === 'string' ? from : '',
    channel_uuid: channelUuid,
    message: platformMessage(m),
  });
}

export interface HistoryItem {
  ID: string;
  contact_urn: string;
  channel_uuid: string;
  /** WWC's names: "in" = bot to visitor, "out" = visitor to bot (the reverse of the store's). */
  direction: 'in' | 'out';
  timestamp: number;
  message: Record<string, unknown>;
}

/** A history item as both clients read it (`file`: the visitor's upload), or null for a type push-webchat cannot render. */
export function historyItem(m: StoredMessage, channelUuid: string, file?: { kind: string; url: string; caption: string | undefined }): HistoryItem | null {
  let message: Record<string, unknown>;
  if (m.direction === 'in' && file) {
    message = withMedia({
      type: file.kind,
      timestamp: String(Math.floor(m.createdAt / 1000)),
      media_url: file.url,
      ...(file.caption ? { caption: file.caption } : {}),
    });
  } else if (m.direction === 'in') {
    message = { type: 'text', timestamp: String(Math.floor(m.createdAt / 1000)), text: m.text };
  } else {
    message = platformMessage(m);
    if (!RENDERABLE.has(message['type'] as string)) {
      // An interactive or location message with text still reads as its text.
      if (typeof m.text !== 'string' || m.text === '') return null;
      message = {
        type: 'text',
        timestamp: message['timestamp'],
        text: m.text,
        ...(message['quick_replies'] ? { quick_replies: message['quick_replies'] } : {}),
      };
    }
  }
  return {
    ID: m.id,
    contact_urn: `ext:${m.urn}`,
    channel_uuid: channelUuid,
    direction: m.direction === 'out' ? 'in' : 'out',
    timestamp: seconds(m.createdAt),
    message,
  };
}

export function typingFrame(to: string, from: string, channelUuid: string): string {
  return JSON.stringify({ type: 'typing_start', to, from, channel_uuid: channelUuid });
}
