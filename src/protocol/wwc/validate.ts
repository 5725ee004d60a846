// Shapes of the WWC client frames (../shared/docs/wwc-protocol.md §2). Every check returns the
// error text the client gets; the connection and the session stay up whatever arrives.
import { isUuid } from '../../config/validators.js';
import { MAX_CONTACT_FIELDS, MAX_FIELD_KEY, MAX_FIELD_VALUE, type FieldMap } from '../../core/contact-fields.js';
import { parseClientMessageId } from '../../sessions/client-message-id.js';

export const FROM_RE = /^[A-Za-z0-9_.@:+-]{1,128}$/;
const CALLBACK_PATH_RE = /\/c\/(?:wwc|ex)\/([0-9A-Fa-f-]{36})\/receive\/?$/;

export class FrameError extends Error {}

export type Frame = Record<string, unknown> & { type: string };

/** Parses one text frame into an object with a string `type`. */
export function parseFrame(data: string): Frame {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw new FrameError('invalid payload: the frame is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new FrameError('invalid payload: the frame must be a JSON object');
  const type = (value as Record<string, unknown>)['type'];
  if (typeof type !== 'string' || type === '') throw new FrameError('invalid payload: blank or non-string type');
  return value as Frame;
}

function optionalString(frame: Record<string, unknown>, key: string, max = 2048): string | undefined {
  const v = frame[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new FrameError(`invalid payload: ${key} must be a string`);
  if (v.length > max) throw new FrameError(`invalid payload: ${key} is longer than ${max} characters`);
  return v;
}

export interface RegisterFrame {
  from: string;
  callback: URL;
  channelUuid: string;
  token: string | undefined;
  trigger: string | undefined;
}

export function parseRegister(frame: Frame): RegisterFrame {
  const from = frame['from'];
  const callback = frame['callback'];
  if (typeof from !== 'string' || typeof callback !== 'string' || from === '' || callback === '') {
    throw new FrameError('invalid payload: blank from, blank callback (both must be non-empty strings)');
  }
  if (!FROM_RE.test(from)) throw new FrameError('invalid payload: from must be 1 to 128 characters of [A-Za-z0-9_.@:+-]');
  optionalString(frame, 'session_type', 32);
  let url: URL;
  try {
    url = new URL(callback);
  } catch {
    throw new FrameError('invalid payload: callback is not a URL');
  }
  const m = CALLBACK_PATH_RE.exec(url.pathname);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !m || !isUuid(m[1]!)) {
    throw new FrameError('invalid payload: callback must be <platform>/c/wwc/<channel uuid>/receive');
  }
  return { from, callback: url, channelUuid: m[1]!.toLowerCase(), token: optionalString(frame, 'token', 512), trigger: optionalString(frame, 'trigger', 4096) };
}

export interface TextMessage {
  text: string;
  /** Non-empty `context` (webchat-service's setContext). */
  context: string | undefined;
  /** `message_with_fields` data, values as strings (as weni-webchat-socket formats them). */
  fields: FieldMap | undefined;
  /** `message.client_id`: a repeat of the id from the same session is stored once (as on SocketCluster). */
  clientMessageId: string | undefined;
}

/** Contact fields of a `message_with_fields`: a flat object; strings, numbers and booleans as strings. */
export function parseContactFields(data: unknown): FieldMap | undefined {
  if (data === undefined || data === null) return undefined;
  if (typeof data !== 'object' || Array.isArray(data)) throw new FrameError('invalid payload: data must be an object');
  const entries = Object.entries(data);
  if (entries.length > MAX_CONTACT_FIELDS) throw new FrameError(`invalid payload: data has more than ${MAX_CONTACT_FIELDS} fields`);
  const out: FieldMap = {};
  for (const [key, value] of entries) {
    if (key === '' || key.length > MAX_FIELD_KEY) throw new FrameError(`invalid payload: data keys must be 1 to ${MAX_FIELD_KEY} characters`);
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value))) {
      throw new FrameError(`invalid payload: data.${key.slice(0, 40)} must be a string, number or boolean`);
    }
    const s = String(value);
    if (s.length > MAX_FIELD_VALUE) throw new FrameError(`invalid payload: data.${key.slice(0, 40)} is longer than ${MAX_FIELD_VALUE} characters`);
    out[key] = s;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export interface FileMessage {
  kind: 'image' | 'video' | 'audio' | 'file';
  media: unknown;
  caption: string | undefined;
  /** As for text: a resent file under the same id is stored and sent on once. */
  clientMessageId: string | undefined;
}

export type UserMessage = TextMessage | FileMessage;
const FILE_KINDS = new Set(['image', 'video', 'audio', 'file']);
/** Message types the clients know that the gateway does not take (files are FILE_KINDS). */
const UNSUPPORTED_TYPES = new Set(['location', 'order']);

/** `message` / `message_with_fields`: text, or a file as a data URL in `media` (checked by the core). */
export function parseMessage(frame: Frame): UserMessage {
  const message = frame['message'];
  if (message === null || typeof message !== 'object' || Array.isArray(message)) throw new FrameError('invalid payload: message must be an object');
  const m = message as Record<string, unknown>;
  if (typeof m['type'] !== 'string' || m['type'] === '') throw new FrameError('invalid payload: blank message type');
  const context = optionalString(frame, 'context', 4096);
  const fields = frame.type === 'message_with_fields' ? parseContactFields(frame['data']) : undefined;
  if (
    frame.type !== 'message_with_fields' &&
    frame['data'] !== undefined &&
    frame['data'] !== null &&
    (typeof frame['data'] !== 'object' || Array.isArray(frame['data']))
  )
    throw new FrameError('invalid payload: data must be an object');
  if (FILE_KINDS.has(m['type'])) {
    if (typeof m['media'] !== 'string' || m['media'] === '') throw new FrameError('invalid payload: blank media');
    return {
      kind: m['type'] as FileMessage['kind'],
      media: m['media'],
      caption: optionalString(m, 'caption', 4096),
      clientMessageId: parseClientMessageId(m['client_id']),
    };
  }
  if (UNSUPPORTED_TYPES.has(m['type'])) throw new FrameError(`invalid payload: ${m['type']} messages are not supported by this gateway yet; send text`);
  if (m['type'] !== 'text') throw new FrameError('invalid payload: invalid message type');
  if (typeof m['text'] !== 'string') throw new FrameError('invalid payload: message.text must be a string');
  if (m['text'] === '') throw new FrameError('invalid payload: blank text');
  return { text: m['text'], context: context || undefined, fields, clientMessageId: parseClientMessageId(m['client_id']) };
}

/** `set_custom_field {data:{key, value}}`, with weni-webchat-socket's error texts. */
export function parseSetCustomField(frame: Frame): FieldMap {
  const data = frame['data'];
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new FrameError('set custom field: data is required');
  const d = data as Record<string, unknown>;
  const key = d['key'];
  const value = d['value'];
  if (typeof key !== 'string' || key === '') throw new FrameError('set custom field: key is required');
  if (typeof value !== 'string' || value === '') throw new FrameError('set custom field: value is required');
  if (key.length > MAX_FIELD_KEY) throw new FrameError(`set custom field: key is longer than ${MAX_FIELD_KEY} characters`);
  if (value.length > MAX_FIELD_VALUE) throw new FrameError(`set custom field: value is longer than ${MAX_FIELD_VALUE} characters`);
  return { [key]: value };
}

/** `get_history {params:{limit, page}}`: numbers or numeric strings (as weni-webchat-socket takes them). */
export function parseHistoryParams(frame: Frame): { limit: number; page: number } {
  const params = frame['params'] ?? {};
  if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new FrameError('error on get history: params must be an object');
  const p = params as Record<string, unknown>;
  const num = (key: string, dflt: number, max: number): number => {
    const v = p[key];
    if (v === undefined || v === null) return dflt;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > max)
      throw new FrameError(`error on get history: could not parse ${key} param: expected a whole number from 1 to ${max}`);
    return n;
  };
  return { limit: num('limit', 20, 100), page: num('page', 1, 100_000) };
}

export function parseCloseSession(frame: Frame): { from: string; token: string | undefined } {
  const from = frame['from'];
  if (typeof from !== 'string' || !FROM_RE.test(from)) throw new FrameError('invalid payload: close_session needs the from of the session');
  return { from, token: optionalString(frame, 'token', 512) };
}
