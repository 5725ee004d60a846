// Bodies courier's WWC channel posts to `{base_url}/send` (../shared/docs/wwc-protocol.md §5.3):
//   {type:"message", to, from, channel_uuid, message:{type, timestamp, text, quick_replies, media_url, caption, ...}}
//   {type:"typing_start", to, from, channel_uuid}
// Courier sends no message id; its Idempotency-Key header (same across one send's retries)
// serves as the id, so a retried post is stored and shown once.
import { GatewayError } from '../errors/catalogue.js';
import type { PlatformMessage } from './normalize.js';

export type WwcBody = { kind: 'message'; message: PlatformMessage } | { kind: 'typing'; to: string; from: string };

/** Is this parsed body in the WWC channel's shape (rather than the External channel's)? */
export function isWwcBody(body: unknown): body is Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  const b = body as Record<string, unknown>;
  return (b['type'] === 'message' && typeof b['message'] === 'object') || b['type'] === 'typing_start';
}

function urnOf(to: unknown): string {
  if (typeof to !== 'string' || to === '' || to.length > 160)
    throw new GatewayError('WG_ERR_MISSING_FIELD', 'The WWC body needs "to": the visitor\'s from (1 to 160 characters).');
  return to.startsWith('ext:') ? to.slice(4) : to;
}

export function normalizeWwcBody(body: Record<string, unknown>, idempotencyKey: string | undefined, newId: () => string): WwcBody {
  const to = urnOf(body['to']);
  const from = typeof body['from'] === 'string' ? body['from'] : '';
  if (body['type'] === 'typing_start') return { kind: 'typing', to, from };
  const m = body['message'];
  if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new GatewayError('WG_ERR_MALFORMED_BODY', 'message must be an object.');
  const message = m as Record<string, unknown>;
  if (typeof message['type'] !== 'string' || message['type'] === '')
    throw new GatewayError('WG_ERR_MALFORMED_BODY', 'message.type must be a non-empty string.');
  const qr = message['quick_replies'] ?? [];
  if (!Array.isArray(qr) || !qr.every((q) => typeof q === 'string'))
    throw new GatewayError('WG_ERR_MALFORMED_BODY', 'message.quick_replies must be an array of strings.');
  const text = typeof message['text'] === 'string' ? message['text'] : typeof message['caption'] === 'string' ? message['caption'] : '';
  const key = idempotencyKey?.trim();
  const out: PlatformMessage = {
    id: key ? key.slice(0, 200) : newId(),
    to,
    text,
    from,
    quick_replies: qr,
    message,
  };
  if (typeof body['channel_uuid'] === 'string') out.channel = body['channel_uuid'];
  // A file (courier posts one per attachment): SocketCluster widgets read it from `attachments`,
  // WWC ones from message.media_url. The gateway passes the platform's URL on untouched.
  if (typeof message['media_url'] === 'string' && message['media_url'] !== '' && message['type'] !== 'text') {
    out.attachments = [{ type: message['type'], url: message['media_url'] }];
  }
  return { kind: 'message', message: out };
}
