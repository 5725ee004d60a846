// POST /send: the platform's messages for widgets (courier's External channel "send URL", and
// the WWC channel's `{base_url}/send`, also as POST /hooks/<WEBHOOK_TOKEN>/send since courier's
// WWC channel sends no credentials).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors/catalogue.js';
import { newPlatformMessageId, normalizePlatformMessage, type PlatformMessage } from '../platform/normalize.js';
import { isWwcBody, normalizeWwcBody } from '../platform/normalize-wwc.js';
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
  /** typing_start (WWC channel, or the demo bot): relayed to the session's live connections on every node; returns how many on this one. */
  typing?(urn: string, from: string): number;
}

/** `pathToken`: the secret from /hooks/<token>/send, which authenticates instead of Authorization. */
export async function handleWebhook(req: IncomingMessage, res: ServerResponse, deps: WebhookDeps, pathToken?: string): Promise<void> {
  if (deps.webhookToken === undefined) throw new GatewayError('WG_ERR_WEBHOOK_DISABLED');
  const credential = pathToken ?? req.headers.authorization;
  if (!authorizationMatches(credential, deps.webhookToken)) throw new GatewayError('WG_ERR_UNAUTHORIZED');
  const raw = await readBody(req, deps.maxBody);
  const body = parseBody(req.headers['content-type'], raw);
  const key = req.headers['idempotency-key'];
  const idempotencyKey = Array.isArray(key) ? key[0] : key;
  let message: PlatformMessage;
  if (isWwcBody(body)) {
    const wwc = normalizeWwcBody(body, idempotencyKey, newPlatformMessageId);
    if (wwc.kind === 'typing') {
      sendJson(res, 200, { status: 'success', typing: true, relayed: deps.typing?.(wwc.to, wwc.from) ?? 0 });
      return;
    }
    message = wwc.message;
  } else {
    const withKey = idempotencyKey && body !== null && typeof body === 'object' && !('id' in body) ? { ...body, id: idempotencyKey } : body;
    message = normalizePlatformMessage(withKey);
  }
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
