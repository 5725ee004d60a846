import { GatewayError } from '../errors/catalogue.js';
import { validator, WebhookBody } from '../protocol/schemas.js';
import { idSequence } from '../sessions/ids.js';
import { attachmentsInText } from './ex-attachments.js';

/** What widgets receive: the platform's fields, with quick_replies always an array of strings. */
export interface PlatformMessage {
  id: string;
  to: string;
  text: string;
  from?: string;
  channel?: string;
  quick_replies: string[];
  [field: string]: unknown;
}

const validateBody = validator(WebhookBody, 'WG_ERR_MISSING_FIELD', 'body');

/** A fresh id for a platform message that came without one. */
export const newPlatformMessageId = idSequence('gw');

/** Folds form fields into an object; repeated fields (quick_reply=a&quick_reply=b) become arrays. */
export function formToObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    out[key] = all.length === 1 ? all[0]! : all;
  }
  return out;
}

/**
 * Courier (1.64 and other versions that read quick replies from the message metadata without
 * decoding them) posts each quick reply still JSON-escaped: `Say "no"` arrives as `Say \"no\"`,
 * `&` (as mailroom stores it) as `\u0026`. A reply holding a backslash that reads as the inside
 * of a JSON string is decoded; anything else (no backslash, or a bare quote, which such a courier
 * never sends) is kept as it came.
 */
export function unescapeQuickReply(reply: string): string {
  if (!reply.includes('\\')) return reply;
  try {
    const decoded: unknown = JSON.parse(`"${reply}"`);
    return typeof decoded === 'string' ? decoded : reply;
  } catch {
    return reply;
  }
}

function quickReplies(body: WebhookBody): string[] {
  return rawQuickReplies(body).map(unescapeQuickReply);
}

function rawQuickReplies(body: WebhookBody): string[] {
  const qr = body.quick_replies;
  if (Array.isArray(qr)) return qr;
  if (typeof qr === 'string' && qr.trim() !== '') {
    // Courier renders {{quick_replies}} as a JSON array; a form body may carry that text.
    let parsed: unknown;
    try {
      parsed = JSON.parse(qr);
    } catch {
      throw new GatewayError('WG_ERR_MALFORMED_BODY', 'quick_replies is a string but not a JSON array of strings.');
    }
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) {
      throw new GatewayError('WG_ERR_MALFORMED_BODY', 'quick_replies must be an array of strings.');
    }
    return parsed;
  }
  if (body.quick_reply !== undefined) return Array.isArray(body.quick_reply) ? body.quick_reply : [body.quick_reply];
  return [];
}

/**
 * Validates a webhook body (already parsed from JSON or form) and normalises it into the payload
 * widgets receive. `to` may carry courier's `ext:` scheme; the urn is the path after it.
 */
export function normalizePlatformMessage(raw: unknown): PlatformMessage {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new GatewayError('WG_ERR_MALFORMED_BODY', 'The body must be a JSON object or form fields.');
  }
  for (const field of ['to', 'text']) {
    if (!(field in raw)) throw new GatewayError('WG_ERR_MISSING_FIELD', `The webhook body needs "${field}".`);
  }
  const body = validateBody(raw);
  const { quick_reply: _single, from, channel, ...rest } = body;
  const to = body.to.startsWith('ext:') ? body.to.slice(4) : body.to;
  const message: PlatformMessage = {
    ...rest,
    id: body.id === undefined || body.id === '' ? newPlatformMessageId() : String(body.id),
    to,
    text: body.text,
    quick_replies: quickReplies(body),
  };
  if (from !== undefined) message.from = String(from);
  if (channel !== undefined) message.channel = String(channel);
  // Courier's External sender carries files only as URLs at the end of the text.
  if (!('attachments' in message)) {
    const files = attachmentsInText(message.text);
    if (files.length > 0) message.attachments = files;
  }
  return message;
}
