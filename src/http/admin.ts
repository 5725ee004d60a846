// Admin API, on only when ADMIN_TOKEN is set.
//   DELETE /admin/sessions/{urn}   ends a session: its sockets are closed (4510, no reconnect),
//                                  its messages and outbox go, and its token opens nothing again.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors/catalogue.js';
import { authorizationMatches } from './auth.js';
import { sendJson } from './respond.js';

export interface AdminDeps {
  adminToken: string | undefined;
  endSession(urn: string): Promise<{ existed: boolean; socketsClosed: number }>;
}

const SESSION_ROUTE = /^\/admin\/sessions\/([^/]+)$/;

export function isAdminPath(path: string): boolean {
  return path.startsWith('/admin/');
}

export async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, deps: AdminDeps): Promise<void> {
  if (deps.adminToken === undefined) throw new GatewayError('WG_ERR_NOT_FOUND');
  const header = req.headers.authorization;
  // Bearer only: the admin token is never accepted bare, so it cannot be confused with the webhook's.
  if (!header || !/^Bearer\s+/i.test(header) || !authorizationMatches(header, deps.adminToken)) throw new GatewayError('WG_ERR_UNAUTHORIZED', 'Send Authorization: Bearer <ADMIN_TOKEN>.');
  const m = SESSION_ROUTE.exec(path);
  if (!m) throw new GatewayError('WG_ERR_NOT_FOUND');
  if (req.method !== 'DELETE') throw new GatewayError('WG_ERR_METHOD_NOT_ALLOWED');
  let urn: string;
  try {
    urn = decodeURIComponent(m[1]!);
  } catch {
    throw new GatewayError('WG_ERR_INVALID_SESSION_ID');
  }
  const { existed, socketsClosed } = await deps.endSession(urn);
  if (!existed) throw new GatewayError('WG_ERR_UNKNOWN_SESSION');
  sendJson(res, 200, { status: 'ended', urn, socketsClosed });
}
