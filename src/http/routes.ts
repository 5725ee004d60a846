// The HTTP side: health, metrics, the platform webhook, the admin API and pages, the widget and
// its sample host page. WebSocket upgrades on /socketcluster/ are taken by socketcluster-server
// before these routes see them. With INTERNAL_PORT the routes split in two: the public port
// serves the webhook, the widget and the sample page, the internal one /metrics, /healthz,
// /readyz and /admin/.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { asGatewayError, GatewayError } from '../errors/catalogue.js';
import type { Logger } from '../log/logger.js';
import { sendError, sendJson } from './respond.js';
import { handleAdmin, isAdminPath, type AdminDeps } from './admin.js';
import { loadAdminFiles, loadPublicFiles, type StaticFile } from './static.js';
import { handleWebhook, type WebhookDeps } from './webhook.js';
import type { Metrics } from '../metrics.js';
import { loadWidget, serveWidget, WIDGET_PATH } from './widget-asset.js';
import { MEDIA_PATH_RE, serveMedia, type MediaRouteDeps } from './media.js';

export interface RouteDeps extends WebhookDeps, AdminDeps {
  log: Logger;
  metrics: Metrics;
  isShuttingDown(): boolean;
  ready(): Promise<{ ok: boolean; checks: Record<string, string> }>;
  media?: MediaRouteDeps;
}

/** all: one port serves everything; public / internal: the two halves with INTERNAL_PORT set. */
export type PortRole = 'all' | 'public' | 'internal';

const OPS_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export function createRequestHandler(deps: RouteDeps, role: PortRole = 'all') {
  const publicSide = role !== 'internal';
  const opsSide = role !== 'public';
  const statics = new Map<string, StaticFile>([
    ...(publicSide ? loadPublicFiles() : []),
    ...(opsSide && deps.adminToken !== undefined ? loadAdminFiles() : []),
  ]);
  const widget = publicSide ? loadWidget() : null;
  if (publicSide && !widget) deps.log.error('dist/widget/widget.js is missing: /widget.js answers 503; run `npm run build`');
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    // POST /hooks/<WEBHOOK_TOKEN>/send: courier's WWC channel authenticates by its base URL.
    const hook = publicSide && req.method === 'POST' ? /^\/hooks\/([^/]+)\/send$/.exec(path) : null;
    const isWebhook = publicSide && req.method === 'POST' && (path === '/send' || path === '/' || hook !== null);
    // The secret in a hook path is never logged.
    const logPath = hook ? '/hooks/***/send' : path;
    // While shutting down, answer and then close the connection rather than keep it alive.
    if (deps.isShuttingDown()) res.shouldKeepAlive = false;
    const webhookTimer = isWebhook ? deps.metrics.webhookDuration.startTimer() : undefined;
    try {
      if (isWebhook) {
        // Also while shutting down: every refusal costs a visitor five minutes (courier's External
        // sender does not retry; mailroom does, 5 and 10 minutes later). The store closes only
        // after the listener and its connections did; a message that cannot be stored then gets 503.
        await handleWebhook(req, res, deps, hook ? safeDecode(hook[1]!) : undefined);
        deps.metrics.webhook.inc({ status: 200 });
        return;
      }
      if (!opsSide && (OPS_PATHS.has(path) || isAdminPath(path) || path === '/admin')) throw new GatewayError('WG_ERR_NOT_FOUND');
      if (opsSide && path === '/admin' && deps.adminToken !== undefined) {
        res.writeHead(301, { location: '/admin/' }).end();
        return;
      }
      const file = statics.get(path);
      if (isAdminPath(path) && !file) {
        await handleAdmin(req, res, path, deps, q === -1 ? '' : url.slice(q + 1));
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new GatewayError(
          file || (publicSide && path === WIDGET_PATH) || (opsSide && OPS_PATHS.has(path)) ? 'WG_ERR_METHOD_NOT_ALLOWED' : 'WG_ERR_NOT_FOUND',
        );
      }
      const mediaPath = publicSide && deps.media ? MEDIA_PATH_RE.exec(path) : null;
      if (mediaPath) {
        await serveMedia(req, res, mediaPath[1]!, deps.media!);
        return;
      }
      if (opsSide && path === '/healthz') {
        if (deps.isShuttingDown()) throw new GatewayError('WG_ERR_SHUTTING_DOWN');
        sendJson(res, 200, { status: 'ok' });
        return;
      }
      if (opsSide && path === '/metrics') {
        const body = await deps.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
        res.end(body);
        return;
      }
      if (opsSide && path === '/readyz') {
        const r = deps.isShuttingDown() ? { ok: false, checks: { shutdown: 'in progress' } } : await deps.ready();
        sendJson(res, r.ok ? 200 : 503, { status: r.ok ? 'ready' : 'not ready', checks: r.checks });
        return;
      }
      if (publicSide && path === WIDGET_PATH) {
        if (!widget) throw new GatewayError('WG_ERR_WIDGET_NOT_BUILT');
        serveWidget(req, res, widget);
        return;
      }
      if (file) {
        res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length, 'cache-control': 'no-cache', ...file.headers });
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
    } finally {
      webhookTimer?.();
    }
  };
  // node's http server ignores a listener's promise; handle() answers every error itself.
  return (req: IncomingMessage, res: ServerResponse): void => void handle(req, res);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
