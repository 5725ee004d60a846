// The HTTP side: health, the platform webhook and the demo page. WebSocket upgrades on
// /socketcluster/ are taken by socketcluster-server before these routes see them.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { asGatewayError, GatewayError } from '../errors/catalogue.js';
import type { Logger } from '../log/logger.js';
import { sendError, sendJson } from './respond.js';
import { handleAdmin, isAdminPath, type AdminDeps } from './admin.js';
import { handleWebhook, type WebhookDeps } from './webhook.js';
import type { Metrics } from '../metrics.js';

export interface RouteDeps extends WebhookDeps, AdminDeps {
  log: Logger;
  metrics: Metrics;
  isShuttingDown(): boolean;
  ready(): Promise<{ ok: boolean; checks: Record<string, string> }>;
}

const require = createRequire(import.meta.url);

/** Static files, read once: the demo page and the socketcluster-client 9.x browser build it uses. */
function loadStatic(): Map<string, { type: string; body: Buffer }> {
  // The page is not compiled: from dist/src/http/ it is read from the source tree.
  const page = readFileSync(new URL('../../../src/http/public/index.html', import.meta.url));
  const client = readFileSync(require.resolve('sc-v9/socketcluster.min.js'));
  return new Map([
    ['/', { type: 'text/html; charset=utf-8', body: page }],
    ['/index.html', { type: 'text/html; charset=utf-8', body: page }],
    ['/vendor/socketcluster.min.js', { type: 'application/javascript; charset=utf-8', body: client }],
  ]);
}

export function createRequestHandler(deps: RouteDeps) {
  const statics = loadStatic();
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0]!;
    // POST /hooks/<WEBHOOK_TOKEN>/send: courier's WWC channel authenticates by its base URL.
    const hook = req.method === 'POST' ? /^\/hooks\/([^/]+)\/send$/.exec(path) : null;
    const isWebhook = req.method === 'POST' && (path === '/send' || path === '/' || hook !== null);
    // The secret in a hook path is never logged.
    const logPath = hook ? '/hooks/***/send' : path;
    // While shutting down, answer and then close the connection rather than keep it alive.
    if (deps.isShuttingDown()) res.shouldKeepAlive = false;
    try {
      if (isWebhook) {
        if (deps.isShuttingDown()) throw new GatewayError('WG_ERR_SHUTTING_DOWN');
        await handleWebhook(req, res, deps, hook ? safeDecode(hook[1]!) : undefined);
        deps.metrics.webhook.inc({ status: 200 });
        return;
      }
      if (isAdminPath(path)) {
        await handleAdmin(req, res, path, deps);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new GatewayError(statics.has(path) || path === '/healthz' || path === '/readyz' ? 'WG_ERR_METHOD_NOT_ALLOWED' : 'WG_ERR_NOT_FOUND');
      }
      if (path === '/healthz') {
        if (deps.isShuttingDown()) throw new GatewayError('WG_ERR_SHUTTING_DOWN');
        sendJson(res, 200, { status: 'ok' });
        return;
      }
      if (path === '/metrics') {
        const body = await deps.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
        res.end(body);
        return;
      }
      if (path === '/readyz') {
        const r = deps.isShuttingDown() ? { ok: false, checks: { shutdown: 'in progress' } } : await deps.ready();
        sendJson(res, r.ok ? 200 : 503, { status: r.ok ? 'ready' : 'not ready', checks: r.checks });
        return;
      }
      const file = statics.get(path);
      if (file) {
        res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length, 'cache-control': 'no-cache' });
        res.end(req.method === 'HEAD' ? undefined : file.body);
        return;
      }
      throw new GatewayError('WG_ERR_NOT_FOUND');
    } catch (err) {
      const gwErr = asGatewayError(err);
      if (isWebhook) {
        deps.metrics.webhook.inc({ status: gwErr.status });
        if (gwErr.code === 'WG_ERR_BODY_TOO_LARGE') deps.metrics.refuse('webhook_body');
      }
      if (gwErr.code === 'WG_ERR_INTERNAL') deps.log.error({ err, path: logPath }, 'request failed');
      else deps.log.debug({ path: logPath, code: gwErr.code }, 'request refused');
      sendError(res, gwErr);
    }
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
