import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/catalogue.js';
import { formToObject } from '../platform/normalize.js';

/**
 * Reads the body up to `limit` bytes; past it, stops reading and throws 413. Plain 'data'/'end'
 * listeners: an async iterator per request cost the webhook path several percent of its CPU.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new GatewayError('WG_ERR_BODY_TOO_LARGE', `The body has ${declared} bytes; MAX_WEBHOOK_BODY is ${limit}.`));
  }
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(new GatewayError('WG_ERR_BODY_TOO_LARGE', `The body exceeds MAX_WEBHOOK_BODY (${limit} bytes).`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    // The client went away before the end: nothing will come.
    const onClose = (): void => {
      if (req.complete) return;
      cleanup();
      reject(new Error('request aborted'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
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
