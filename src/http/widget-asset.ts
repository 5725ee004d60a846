// GET /widget.js: the chat widget bundle (packages/widget, built by scripts/build-widget.js into
// dist/widget/widget.js). Cacheable, so a visitor who reloads while the gateway is unreachable
// still gets the widget (and the messages waiting in its outbox): fresh for an hour, then used
// while revalidating for a day, or for a week while the gateway answers errors; an ETag makes
// revalidation a 304.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const WIDGET_PATH = '/widget.js';
export const WIDGET_CACHE_CONTROL = 'public, max-age=3600, stale-while-revalidate=86400, stale-if-error=604800';

export interface WidgetAsset {
  body: Buffer;
  etag: string;
}

/** Reads the built bundle; null when the build did not make it (then /widget.js answers 503). */
export function loadWidget(file = new URL('../../widget/widget.js', import.meta.url)): WidgetAsset | null {
  let body: Buffer;
  try {
    body = readFileSync(file);
  } catch {
    return null;
  }
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

export function serveWidget(req: IncomingMessage, res: ServerResponse, asset: WidgetAsset): void {
  const headers = {
    'content-type': 'application/javascript; charset=utf-8',
    'cache-control': WIDGET_CACHE_CONTROL,
    etag: asset.etag,
    // Script tags need no CORS; this lets a page fetch() it (e.g. to check its integrity).
    'access-control-allow-origin': '*',
    'x-content-type-options': 'nosniff',
  };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': asset.body.length });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}
