// POST /send: the platform's messages for widgets (courier's External channel "send URL").
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors/catalogue.js';
import { normalizePlatformMessage, type PlatformMessage } from '../platform/normalize.js';
import type { StoredMessage } from '../store/store.js';
import { authorizationMatches } from './auth.js';
import { parseBody, readBody } from './body.js';
import { sendJson } from './respond.js';

export interface WebhookDeps {
  webhookToken: string | undefined;
  maxBody: number;
  ingest(message: PlatformMessage): Promise<{ message: StoredMessage; duplicate: boolean }>;
  /** Called once the answer to a /send that carried `message` went out (STATUS_CALLBACKS timing). */
  onAnswered?(message: StoredMessage): void;
  /** A message for a urn that has no session was accepted and dropped (log it, count it). */
  onDropped?(message: PlatformMessage, reason: 'unknown_session'): void;
  /** The platform is typing to a session (transient; see Deliverer.signal). */
  typing?(urn: string): void;
}

/** `{"type":"typing_start","to":urn}` (the WWC channel's action) or `"typing"`: no text, nothing stored. */
function typingTarget(body: unknown): string | undefined {
  const b = body as { type?: unknown; to?: unknown } | null;
  if (typeof b !== 'object' || b === null || (b.type !== 'typing_start' && b.type !== 'typing')) return undefined;
  if (typeof b.to !== 'string' || b.to === '' || b.to.length > 160) throw new GatewayError('WG_ERR_MISSING_FIELD', 'A typing signal needs "to", the session urn.');
  return b.to.startsWith('ext:') ? b.to.slice(4) : b.to;
}

export async function handleWebhook(req: IncomingMessage, res: ServerResponse, deps: WebhookDeps): Promise<void> {
  if (deps.webhookToken === undefined) throw new GatewayError('WG_ERR_WEBHOOK_DISABLED');
  if (!authorizationMatches(req.headers.authorization, deps.webhookToken)) throw new GatewayError('WG_ERR_UNAUTHORIZED');
  const raw = await readBody(req, deps.maxBody);
  const body = parseBody(req.headers['content-type'], raw);
  const typingTo = typingTarget(body);
  if (typingTo !== undefined) {
    deps.typing?.(typingTo);
    sendJson(res, 200, { status: 'success', typing: true });
    return;
  }
  const message = normalizePlatformMessage(body);
  let result: { message: StoredMessage; duplicate: boolean };
  try {
    result = await deps.ingest(message);
  } catch (err) {
    // No session has that urn: it was ended, or never existed on this store. Nobody can ever
    // read the message (a session's token is bound to its creation), and a refusal would only
    // have courier and mailroom try again for 15 minutes and then fail it: accept and drop it.
    if (!(err instanceof GatewayError) || err.code !== 'WG_ERR_UNKNOWN_SESSION') throw err;
    deps.onDropped?.(message, 'unknown_session');
    sendJson(res, 200, { status: 'success', id: message.id, dropped: true, reason: 'WG_ERR_UNKNOWN_SESSION' });
    return;
  }
  const { message: stored, duplicate } = result;
  // "success" is what courier's mt_response_check usually looks for.
  sendJson(res, 200, { status: 'success', id: stored.id, seq: stored.seq, duplicate });
  deps.onAnswered?.(stored);
}
