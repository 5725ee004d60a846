// Admin API, on only when ADMIN_TOKEN is set (404 otherwise), every route behind
// Authorization: Bearer <ADMIN_TOKEN> (401 without it). JSON; lists are cursor-paginated.
//   GET    /admin/api/overview                       this node: version, uptime, connections, rates, outbox, store
//   GET    /admin/api/sessions?q=&cursor=&limit=     sessions, newest first (q: urn / visitor id prefix)
//   GET    /admin/api/sessions/{urn}/messages?before= a conversation page with each message's delivery state
//   GET    /admin/api/outbox?state=failed&cursor=    failed user messages, newest first
//   POST   /admin/api/outbox/{id}/retry              put a failed entry back in its session's queue
//   DELETE /admin/sessions/{urn}                     end a session: its sockets are closed (4510, no
//                                                    reconnect), its messages and outbox go, its token opens nothing
// The page /admin/ is static (public/admin/) and calls these with the token it asks for.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminService } from '../admin/service.js';
import { GatewayError } from '../errors/catalogue.js';
import { InvalidCursorError } from '../store/admin-store.js';
import { authorizationMatches } from './auth.js';
import { sendJson } from './respond.js';

export interface AdminDeps {
  adminToken: string | undefined;
  endSession(urn: string): Promise<{ existed: boolean; socketsClosed: number }>;
  admin?: AdminService;
}

const SESSION_ROUTE = /^\/admin\/sessions\/([^/]+)$/;
const MESSAGES_ROUTE = /^\/admin\/api\/sessions\/([^/]+)\/messages$/;
const RETRY_ROUTE = /^\/admin\/api\/outbox\/([^/]+)\/retry$/;
const DEFAULT_LIMIT = 50;

export function isAdminPath(path: string): boolean {
  return path.startsWith('/admin/');
}

function decodeSegment(raw: string, code: 'WG_ERR_INVALID_SESSION_ID' | 'WG_ERR_UNKNOWN_OUTBOX_ENTRY'): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new GatewayError(code);
  }
}

function limitOf(params: URLSearchParams): number {
  const raw = params.get('limit');
  if (raw === null) return DEFAULT_LIMIT;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1)
    throw new GatewayError('WG_ERR_INVALID_QUERY', 'limit must be a whole number from 1 (pages hold at most 100).');
  return Number(raw);
}

function method(req: IncomingMessage, allowed: string): void {
  if (req.method !== allowed && !(allowed === 'GET' && req.method === 'HEAD')) throw new GatewayError('WG_ERR_METHOD_NOT_ALLOWED');
}

export async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, deps: AdminDeps, query = ''): Promise<void> {
  if (deps.adminToken === undefined) throw new GatewayError('WG_ERR_NOT_FOUND');
  const header = req.headers.authorization;
  // Bearer only: the admin token is never accepted bare, so it cannot be confused with the webhook's.
  if (!header || !/^Bearer\s+/i.test(header) || !authorizationMatches(header, deps.adminToken))
    throw new GatewayError('WG_ERR_UNAUTHORIZED', 'Send Authorization: Bearer <ADMIN_TOKEN>.');
  const params = new URLSearchParams(query);
  const m = SESSION_ROUTE.exec(path);
  if (m) {
    method(req, 'DELETE');
    const urn = decodeSegment(m[1]!, 'WG_ERR_INVALID_SESSION_ID');
    const { existed, socketsClosed } = await deps.endSession(urn);
    if (!existed) throw new GatewayError('WG_ERR_UNKNOWN_SESSION');
    sendJson(res, 200, { status: 'ended', urn, socketsClosed });
    return;
  }
  const admin = deps.admin;
  if (!admin || !path.startsWith('/admin/api/')) throw new GatewayError('WG_ERR_NOT_FOUND');
  try {
    await route(req, res, path, params, admin);
  } catch (err) {
    if (err instanceof InvalidCursorError) throw new GatewayError('WG_ERR_INVALID_QUERY', 'cursor is not one this API issued; start again without it.');
    throw err;
  }
}

async function route(req: IncomingMessage, res: ServerResponse, path: string, params: URLSearchParams, admin: AdminService): Promise<void> {
  if (path === '/admin/api/overview') {
    method(req, 'GET');
    sendJson(res, 200, await admin.overview());
    return;
  }
  if (path === '/admin/api/sessions') {
    method(req, 'GET');
    const q = params.get('q')?.trim() || undefined;
    if (q !== undefined && q.length > 256) throw new GatewayError('WG_ERR_INVALID_QUERY', 'q is at most 256 characters.');
    sendJson(res, 200, await admin.sessions(q, params.get('cursor') ?? undefined, limitOf(params)));
    return;
  }
  let m = MESSAGES_ROUTE.exec(path);
  if (m) {
    method(req, 'GET');
    const urn = decodeSegment(m[1]!, 'WG_ERR_INVALID_SESSION_ID');
    const raw = params.get('before');
    if (raw !== null && !/^\d{1,15}$/.test(raw)) throw new GatewayError('WG_ERR_INVALID_QUERY', 'before must be a message seq (a whole number).');
    const page = await admin.conversation(urn, raw === null ? undefined : Number(raw));
    if (!page) throw new GatewayError('WG_ERR_UNKNOWN_SESSION');
    sendJson(res, 200, page);
    return;
  }
  if (path === '/admin/api/outbox') {
    method(req, 'GET');
    const state = params.get('state') ?? 'failed';
    if (state !== 'failed') throw new GatewayError('WG_ERR_INVALID_QUERY', 'state must be "failed" (pending entries are listed per session).');
    const page = await admin.failedOutbox(params.get('cursor') ?? undefined, limitOf(params));
    sendJson(res, 200, { entries: page.items, nextCursor: page.nextCursor });
    return;
  }
  m = RETRY_ROUTE.exec(path);
  if (m) {
    method(req, 'POST');
    const id = decodeSegment(m[1]!, 'WG_ERR_UNKNOWN_OUTBOX_ENTRY');
    const r = await admin.retry(id);
    if (r.outcome === 'unknown') throw new GatewayError('WG_ERR_UNKNOWN_OUTBOX_ENTRY');
    if (r.outcome === 'not_failed') throw new GatewayError('WG_ERR_OUTBOX_NOT_FAILED');
    sendJson(res, 200, { status: 'requeued', id: r.id });
    return;
  }
  throw new GatewayError('WG_ERR_NOT_FOUND');
}
