// GET /media/<id>/<filename>: files visitors uploaded, as stored. Served so that nothing in them
// can act on the gateway's origin: nosniff, the stored content type, and anything but a raster
// image, audio or video as a download under a sandboxing Content-Security-Policy. Audio and
// video answer Range requests (browsers seek with them). An unknown or expired id is 404.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { servedInline } from '../core/media-check.js';
import { GatewayError } from '../errors/catalogue.js';
import type { MediaStore } from '../store/media-role.js';

export const MEDIA_PATH_RE = /^\/media\/([A-Za-z0-9_-]{20,64})\/[^/]{1,200}$/;
/** Browsers keep a file at most this long (and never past its expiry). */
export const MEDIA_MAX_CACHE = 24 * 3600;

export interface MediaRouteDeps {
  media: MediaStore;
  /** Retention (HISTORY_MAX_AGE): older files are gone even before retention prunes them. */
  maxAge: number;
}

function asciiName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

export async function serveMedia(req: IncomingMessage, res: ServerResponse, id: string, deps: MediaRouteDeps): Promise<void> {
  const item = await deps.media.get(id);
  const now = Date.now();
  if (!item || item.record.createdAt + deps.maxAge <= now) throw new GatewayError('WG_ERR_NOT_FOUND', 'No such file; it may have expired.');
  const { record, bytes } = item;
  const inline = servedInline(record.contentType);
  const ttl = Math.max(0, Math.min(MEDIA_MAX_CACHE, Math.floor((record.createdAt + deps.maxAge - now) / 1000)));
  const headers: Record<string, string | number> = {
    'content-type': record.contentType,
    'x-content-type-options': 'nosniff',
    'cache-control': `private, max-age=${ttl}`,
    'cross-origin-resource-policy': 'cross-origin',
    'content-security-policy': inline ? "default-src 'none'" : "sandbox; default-src 'none'",
    'content-disposition': `${inline ? 'inline' : 'attachment'}; filename="${asciiName(record.filename)}"`,
  };
  const av = record.contentType.startsWith('audio/') || record.contentType.startsWith('video/');
  if (av) headers['accept-ranges'] = 'bytes';
  const range = av ? req.headers.range : undefined;
  if (range !== undefined) {
    const r = parseRange(range, bytes.length);
    if (r === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${bytes.length}`, 'content-length': 0 }).end();
      return;
    }
    if (r) {
      const body = bytes.subarray(r.start, r.end + 1);
      res.writeHead(206, { ...headers, 'content-range': `bytes ${r.start}-${r.end}/${bytes.length}`, 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
  }
  res.writeHead(200, { ...headers, 'content-length': bytes.length });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; null (serve it all) for anything else. */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    if (start >= size) return 'unsatisfiable';
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (end < start) return null;
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
