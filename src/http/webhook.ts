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
}

export async function handleWebhook(req: IncomingMessage, res: ServerResponse, deps: WebhookDeps): Promise<void> {
  if (deps.webhookToken === undefined) throw new GatewayError('WG_ERR_WEBHOOK_DISABLED');
  if (!authorizationMatches(req.headers.authorization, deps.webhookToken)) throw new GatewayError('WG_ERR_UNAUTHORIZED');
  const raw = await readBody(req, deps.maxBody);
  const message = normalizePlatformMessage(parseBody(req.headers['content-type'], raw));
  const { message: stored, duplicate } = await deps.ingest(message);
  // "success" is what courier's mt_response_check usually looks for.
  sendJson(res, 200, { status: 'success', id: stored.id, seq: stored.seq, duplicate });
  deps.onAnswered?.(stored);
}
