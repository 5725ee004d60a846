// The events a widget emits, and what the gateway does with each. Transport details (frames,
// keep-alive, middleware) live in src/protocol; this file is the session logic.
import { isUuid } from '../config/options.js';
import { GatewayError } from '../errors/catalogue.js';
import type { Logger } from '../log/logger.js';
import type { PlatformTargets } from '../platform/targets.js';
import { GetHistoryData, RegisterUserData, SendMessageData, validator } from '../protocol/schemas.js';
import type { SessionRecord, Store, StoredMessage } from '../store/store.js';
import { isValidSessionId, newMessageId, newUrn } from './urn.js';

export const WIDGET_EVENTS = ['registerUser', 'sendMessageToChannel', 'getHistory', 'getSuggestions'] as const;
export type WidgetEvent = (typeof WIDGET_EVENTS)[number];

export const DEFAULT_HISTORY_LIMIT = 50;

const validateRegister = validator(RegisterUserData);
const validateSend = validator(SendMessageData);
const validateHistory = validator(GetHistoryData);

/** What the handlers need to know about the socket that emitted the event. */
export interface WidgetContext {
  /** The urn of the socket's valid session token, if any. */
  tokenUrn(): string | undefined;
  /** channelUUID / hostApi from the connection URL. */
  query: Record<string, string>;
  /** Binds the socket to the session and sends the client its token (#setAuthToken). */
  setSession(session: SessionRecord): Promise<void>;
}

export interface WidgetEventDeps {
  store: Store;
  targets: PlatformTargets;
  defaultChannelUuid: string;
  maxTextLength: number;
  log: Logger;
  /** A user message is stored: deliver to other tabs and wake the outbox. */
  onUserMessage(message: StoredMessage): void;
}

export class WidgetEvents {
  constructor(private readonly deps: WidgetEventDeps) {}

  /** registerUser: create a session, or resume the one this socket's token names. Returns the urn. */
  async registerUser(ctx: WidgetContext, raw: unknown): Promise<string> {
    if (raw !== undefined && raw !== null && typeof raw === 'object' && 'id' in raw && !isValidSessionId((raw as { id: unknown }).id)) {
      throw new GatewayError('WG_ERR_INVALID_SESSION_ID');
    }
    const data = validateRegister(raw ?? {});
    const channelUuid = (data.channelUUID ?? ctx.query['channelUUID'] ?? this.deps.defaultChannelUuid).toLowerCase();
    if (!isUuid(channelUuid)) throw new GatewayError('WG_ERR_INVALID_CHANNEL');
    const hostApi = this.deps.targets.resolve(data.hostApi ?? ctx.query['hostApi']);

    const urn = data.id ?? newUrn();
    const owned = ctx.tokenUrn() === urn;
    const record: SessionRecord = { urn, channelUuid, hostApi, createdAt: Date.now() };
    const { created, session } = await this.deps.store.createSession(record);
    if (!created && !owned) {
      // The id exists and this socket cannot prove it owns it: never let a guessed or leaked
      // id read someone else's conversation.
      throw new GatewayError('WG_ERR_SESSION_TAKEN');
    }
    await ctx.setSession(session);
    this.deps.log.info({ urn, created, channelUuid, hostApi }, created ? 'session created' : 'session resumed');
    return urn;
  }

  /** sendMessageToChannel: store the user's message durably; the outbox forwards it. */
  async sendMessage(ctx: WidgetContext, raw: unknown): Promise<StoredMessage> {
    const urn = ctx.tokenUrn();
    if (urn === undefined) throw new GatewayError('WG_ERR_NOT_REGISTERED');
    const data = validateSend(raw);
    if (data.userUrn !== urn) {
      throw new GatewayError('WG_ERR_NOT_SESSION_OWNER', 'userUrn is not the session of this socket.');
    }
    if (data.text.length > this.deps.maxTextLength) {
      throw new GatewayError('WG_ERR_TEXT_TOO_LONG', `text has ${data.text.length} characters; the limit is ${this.deps.maxTextLength}.`);
    }
    let message: StoredMessage;
    try {
      message = await this.deps.store.appendInbound(urn, { id: newMessageId(), text: data.text, createdAt: Date.now() });
    } catch (err) {
      if ((err as Error).name === 'UnknownSessionError') throw new GatewayError('WG_ERR_UNKNOWN_SESSION');
      if (err instanceof GatewayError) throw err; // e.g. WG_ERR_NOT_REPLICATED
      this.deps.log.error({ err, urn }, 'could not store user message');
      throw new GatewayError('WG_ERR_STORE_UNAVAILABLE');
    }
    this.deps.log.debug({ urn, seq: message.seq, text: message.text }, 'user message accepted');
    this.deps.onUserMessage(message);
    return message;
  }

  /** getHistory: the session's stored messages, both directions, oldest first. */
  async getHistory(ctx: WidgetContext, raw: unknown): Promise<{ messages: HistoryItem[] }> {
    const urn = ctx.tokenUrn();
    if (urn === undefined) throw new GatewayError('WG_ERR_NOT_REGISTERED');
    const data = validateHistory(raw ?? {});
    const limit = data.limit ?? DEFAULT_HISTORY_LIMIT;
    // With only `since`, read forward from it; otherwise the newest page before `before`.
    const forward = data.since !== undefined && data.before === undefined;
    const rows = await this.deps.store.readMessages(urn, {
      ...(data.since !== undefined ? { afterSeq: data.since } : {}),
      ...(data.before !== undefined ? { beforeSeq: data.before } : {}),
      limit,
      newestFirst: !forward,
    });
    if (!forward) rows.reverse();
    return { messages: rows.map(toHistoryItem) };
  }
}

export interface HistoryItem {
  seq: number;
  direction: 'in' | 'out';
  id: string;
  text: string;
  createdAt: string;
  [field: string]: unknown;
}

function toHistoryItem(m: StoredMessage): HistoryItem {
  return { ...m.payload, seq: m.seq, direction: m.direction, id: m.id, text: m.text, createdAt: new Date(m.createdAt).toISOString() };
}
