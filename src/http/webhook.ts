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
  const { message: stored, duplicate } = await deps.ingest(message);
  // "success" is what courier's mt_response_check usually looks for.
  sendJson(res, 200, { status: 'success', id: stored.id, seq: stored.seq, duplicate });
}
