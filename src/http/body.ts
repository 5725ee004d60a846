import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/catalogue.js';
import { formToObject } from '../platform/normalize.js';

/** Reads the body up to `limit` bytes; past it, stops reading and throws 413. */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new GatewayError('WG_ERR_BODY_TOO_LARGE', `The body has ${declared} bytes; MAX_WEBHOOK_BODY is ${limit}.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new GatewayError('WG_ERR_BODY_TOO_LARGE', `The body exceeds MAX_WEBHOOK_BODY (${limit} bytes).`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses JSON or form-urlencoded (courier's default) by Content-Type. */
export function parseBody(contentType: string | undefined, raw: string): unknown {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return JSON.parse(raw);
    } catch {
      throw new GatewayError('WG_ERR_MALFORMED_BODY', 'The body is not valid JSON.');
    }
  }
  if (type === 'application/x-www-form-urlencoded') return formToObject(new URLSearchParams(raw));
  if (type === '' || type === 'text/plain') {
    // Some senders omit the type: accept what is unambiguous.
    const t = raw.trimStart();
    if (t.startsWith('{')) return parseBody('application/json', raw);
    return formToObject(new URLSearchParams(raw));
  }
  throw new GatewayError('WG_ERR_UNSUPPORTED_MEDIA_TYPE');
}
