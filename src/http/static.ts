// Static files, read once at start-up from dist/src/http/public/ (copied there by the build, so a
// built tree needs no src/): the sample host page that embeds the widget, and the admin page.
import { readFileSync } from 'node:fs';

export interface StaticFile {
  type: string;
  body: Buffer;
  headers?: Record<string, string>;
}

/** The admin page loads only its own files and talks only to its own origin. */
const ADMIN_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

const HTML = 'text/html; charset=utf-8';
const JS = 'application/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

function read(rel: string): Buffer {
  return readFileSync(new URL(`./public/${rel}`, import.meta.url));
}

/** The sample host page (it loads /widget.js, served by widget-asset.ts), on the public port. */
export function loadPublicFiles(): Map<string, StaticFile> {
  const page = { type: HTML, body: read('index.html') };
  return new Map([
    ['/', page],
    ['/index.html', page],
  ]);
}

/** The admin page (internal port when INTERNAL_PORT is set), served only with ADMIN_TOKEN. */
export function loadAdminFiles(): Map<string, StaticFile> {
  return new Map([
    ['/admin/', { type: HTML, body: read('admin/index.html'), headers: ADMIN_HEADERS }],
    ['/admin/admin.css', { type: CSS, body: read('admin/admin.css'), headers: ADMIN_HEADERS }],
    ['/admin/admin.js', { type: JS, body: read('admin/admin.js'), headers: ADMIN_HEADERS }],
  ]);
}
