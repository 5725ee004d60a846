// Visitor uploads arrive as data URLs (`data:<mime>;base64,<...>`, from FileReader.readAsDataURL).
// This file decodes one and decides whether the gateway keeps it: the declared content type must be
// one it knows, the base64 must be whole, the bytes must fit MAX_MEDIA_BYTES and start (and for
// PNG, end) the way that type does. Anything else is refused with a clear error; nothing is stored.
import { GatewayError } from '../errors/catalogue.js';

export type MediaKind = 'image' | 'video' | 'audio' | 'file';
export const MEDIA_KINDS: readonly MediaKind[] = ['image', 'video', 'audio', 'file'];

interface TypeSpec {
  kind: MediaKind;
  ext: string;
  /** Do the bytes look like this type? */
  matches(b: Buffer): boolean;
}

const starts =
  (sig: number[], at = 0) =>
  (b: Buffer) =>
    b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);
const ascii = (s: string, at = 0) => starts([...Buffer.from(s, 'latin1')], at);
const riff = (form: string) => (b: Buffer) => ascii('RIFF')(b) && ascii(form, 8)(b);
/** ISO base media (mp4, m4a, mov): a box type at offset 4. */
const isoBox = (b: Buffer) => ['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip'].some((t) => ascii(t, 4)(b));
const PNG_END = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
const png = (b: Buffer) => starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])(b) && b.subarray(-PNG_END.length).equals(PNG_END);
const mpegAudio = (b: Buffer) => ascii('ID3')(b) || (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0);
const adts = (b: Buffer) => b.length >= 2 && b[0] === 0xff && (b[1]! & 0xf6) === 0xf0;
const ebml = starts([0x1a, 0x45, 0xdf, 0xa3]);
const zip = ascii('PK\x03\x04');
const ole = starts([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
/** SVG: text whose first tag (after an XML declaration, comments or a doctype) is <svg. */
const svg = (b: Buffer) => /^\uFEFF?\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE[^>]*>\s*)?<svg[\s>]/i.test(b.subarray(0, 4096).toString('utf8'));
/** Plain text: valid UTF-8 without NUL bytes. */
const text = (b: Buffer) => !b.includes(0) && Buffer.from(b.toString('utf8'), 'utf8').equals(b);

const OOXML = 'application/vnd.openxmlformats-officedocument.';

/** Content types the gateway accepts, by what the browser puts in the data URL. */
export const MEDIA_TYPES: ReadonlyMap<string, TypeSpec> = new Map<string, TypeSpec>([
  ['image/png', { kind: 'image', ext: 'png', matches: png }],
  ['image/jpeg', { kind: 'image', ext: 'jpg', matches: starts([0xff, 0xd8, 0xff]) }],
  ['image/gif', { kind: 'image', ext: 'gif', matches: (b) => ascii('GIF87a')(b) || ascii('GIF89a')(b) }],
  ['image/webp', { kind: 'image', ext: 'webp', matches: riff('WEBP') }],
  ['image/svg+xml', { kind: 'image', ext: 'svg', matches: svg }],
  ['audio/mpeg', { kind: 'audio', ext: 'mp3', matches: mpegAudio }],
  ['audio/mp3', { kind: 'audio', ext: 'mp3', matches: mpegAudio }],
  ['audio/wav', { kind: 'audio', ext: 'wav', matches: riff('WAVE') }],
  ['audio/x-wav', { kind: 'audio', ext: 'wav', matches: riff('WAVE') }],
  ['audio/wave', { kind: 'audio', ext: 'wav', matches: riff('WAVE') }],
  ['audio/aac', { kind: 'audio', ext: 'aac', matches: (b) => adts(b) || isoBox(b) }],
  ['audio/x-aac', { kind: 'audio', ext: 'aac', matches: adts }],
  ['audio/mp4', { kind: 'audio', ext: 'm4a', matches: isoBox }],
  ['audio/x-m4a', { kind: 'audio', ext: 'm4a', matches: isoBox }],
  ['audio/ogg', { kind: 'audio', ext: 'ogg', matches: ascii('OggS') }],
  ['audio/webm', { kind: 'audio', ext: 'webm', matches: ebml }],
  ['video/mp4', { kind: 'video', ext: 'mp4', matches: isoBox }],
  ['video/quicktime', { kind: 'video', ext: 'mov', matches: isoBox }],
  ['video/webm', { kind: 'video', ext: 'webm', matches: ebml }],
  ['video/ogg', { kind: 'video', ext: 'ogv', matches: ascii('OggS') }],
  ['application/pdf', { kind: 'file', ext: 'pdf', matches: ascii('%PDF-') }],
  ['application/zip', { kind: 'file', ext: 'zip', matches: zip }],
  [OOXML + 'wordprocessingml.document', { kind: 'file', ext: 'docx', matches: zip }],
  [OOXML + 'spreadsheetml.sheet', { kind: 'file', ext: 'xlsx', matches: zip }],
  [OOXML + 'presentationml.presentation', { kind: 'file', ext: 'pptx', matches: zip }],
  ['application/msword', { kind: 'file', ext: 'doc', matches: ole }],
  ['application/vnd.ms-excel', { kind: 'file', ext: 'xls', matches: ole }],
  ['text/plain', { kind: 'file', ext: 'txt', matches: text }],
  ['text/csv', { kind: 'file', ext: 'csv', matches: text }],
]);

/** Raster images, audio and video are served inline; everything else as a sandboxed download. */
const INLINE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
export function servedInline(contentType: string): boolean {
  return INLINE.has(contentType) || contentType.startsWith('audio/') || contentType.startsWith('video/');
}

export interface DecodedMedia {
  kind: MediaKind;
  contentType: string;
  filename: string;
  bytes: Buffer;
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** The decoded length of a base64 string, without decoding it. */
function base64Length(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return (b64.length / 4) * 3 - pad;
}

function refuse(detail: string): never {
  throw new GatewayError('WG_ERR_INVALID_MEDIA', detail);
}

/**
 * Decodes `dataUrl` sent as a `kind` message. Throws WG_ERR_MEDIA_TOO_LARGE past `maxBytes`,
 * WG_ERR_INVALID_MEDIA for anything malformed, unknown or not what it claims to be.
 */
export function decodeMedia(kind: MediaKind, dataUrl: unknown, maxBytes: number): DecodedMedia {
  if (maxBytes <= 0) throw new GatewayError('WG_ERR_MEDIA_DISABLED');
  if (typeof dataUrl !== 'string' || dataUrl === '') refuse('media must be a data URL: data:<type>;base64,<data>');
  const comma = dataUrl.indexOf(',');
  const head = comma === -1 ? '' : dataUrl.slice(0, comma);
  const m = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)((?:;[^;,]*)*);base64$/i.exec(head);
  if (!m) refuse('media must be a base64 data URL: data:<type>;base64,<data>');
  const contentType = m[1]!.toLowerCase();
  const spec = MEDIA_TYPES.get(contentType);
  if (!spec) refuse(`the content type ${contentType} is not accepted; send an image, audio, video, PDF or office file`);
  if (kind !== 'file' && spec.kind !== kind) refuse(`a ${kind} message cannot carry ${contentType}`);
  const b64 = dataUrl.slice(comma + 1);
  // Checked before decoding, so an oversized upload costs no copy.
  if (b64.length % 4 === 0 && base64Length(b64) > maxBytes) {
    throw new GatewayError('WG_ERR_MEDIA_TOO_LARGE', `the file has ${base64Length(b64)} bytes; the limit is ${maxBytes} (MAX_MEDIA_BYTES)`);
  }
  if (b64.length === 0 || b64.length % 4 !== 0 || !BASE64_RE.test(b64)) refuse('could not decode media: the base64 data is truncated or malformed');
  const bytes = Buffer.from(b64, 'base64');
  if (!spec.matches(bytes)) refuse(`could not decode media: the bytes are not ${contentType} (truncated, or another type under its name)`);
  return { kind, contentType, filename: `${kind}.${spec.ext}`, bytes };
}
