// The events a SocketCluster widget emits, translated into the core's session operations
// (src/core/conversation.ts): validation of their SocketCluster shapes lives here, what
// happens to a session or a message lives in the core.
import { isUuid } from '../../config/validators.js';
import type { Conversation } from '../../core/conversation.js';
import type { MediaService } from '../../core/media.js';
import type { MediaKind } from '../../core/media-check.js';
import { GatewayError } from '../../errors/catalogue.js';
import type { PlatformTargets } from '../../platform/targets.js';
import { GetHistoryData, RegisterUserData, SendMessageData, validator } from '../schemas.js';
import type { SessionRecord, StoredMessage } from '../../store/store.js';
import { parseClientMessageId } from '../../sessions/client-message-id.js';
import { isValidSessionId, newUrn } from '../../sessions/ids.js';

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
  conversation: Conversation;
  media: MediaService;
  targets: PlatformTargets;
  defaultChannelUuid: string;
}

export class WidgetEvents {
  constructor(private readonly deps: WidgetEventDeps) {}

  /** registerUser: create a session, or resume the one this socket's token names. Returns the urn. */
  async registerUser(ctx: WidgetContext, raw: unknown): Promise<string> {
    if (raw !== undefined && raw !== null && typeof raw === 'object' && 'id' in raw && !isValidSessionId(raw.id)) {
      throw new GatewayError('WG_ERR_INVALID_SESSION_ID');
    }
    const data = validateRegister(raw ?? {});
    const channelUuid = (data.channelUUID ?? ctx.query['channelUUID'] ?? this.deps.defaultChannelUuid).toLowerCase();
    if (!isUuid(channelUuid)) throw new GatewayError('WG_ERR_INVALID_CHANNEL');
    const hostApi = this.deps.targets.resolve(data.hostApi ?? ctx.query['hostApi']);

    const urn = data.id ?? newUrn();
    const record: SessionRecord = { urn, channelUuid, hostApi, createdAt: Date.now() };
    // Resumed only by the socket whose token names it.
    const { session } = await this.deps.conversation.claim(record, () => ctx.tokenUrn() === urn);
    await ctx.setSession(session);
    return urn;
  }

  /**
   * sendMessageToChannel: store the user's message durably; the outbox forwards it. A repeated
   * `clientMessageId` is the same message: stored and forwarded once, answered the same.
   */
  async sendMessage(ctx: WidgetContext, raw: unknown): Promise<StoredMessage & { media_url?: string }> {
    const urn = ctx.tokenUrn();
    if (urn === undefined) throw new GatewayError('WG_ERR_NOT_REGISTERED');
    const data = validateSend(raw);
    if (data.userUrn !== urn) {
      throw new GatewayError('WG_ERR_NOT_SESSION_OWNER', 'userUrn is not the session of this socket.');
    }
    const clientMessageId = parseClientMessageId((raw as { clientMessageId?: unknown }).clientMessageId);
    if (data.media !== undefined) {
      const caption = data.text === '' ? undefined : data.text;
      const upload = await this.deps.media.accept(urn, kindOfDataUrl(data.media), data.media, caption, clientMessageId);
      return { ...upload.message, media_url: upload.url };
    }
    if (data.text === undefined || data.text === '')
      throw new GatewayError('WG_ERR_INVALID_PAYLOAD', 'sendMessageToChannel needs a non-empty text, or a file in media.');
    return this.deps.conversation.acceptUserMessage(urn, data.text, clientMessageId);
  }

  /** getHistory: the session's stored messages, both directions, oldest first. */
  async getHistory(ctx: WidgetContext, raw: unknown): Promise<{ messages: HistoryItem[] }> {
    const urn = ctx.tokenUrn();
    if (urn === undefined) throw new GatewayError('WG_ERR_NOT_REGISTERED');
    const data = validateHistory(raw ?? {});
    const limit = data.limit ?? DEFAULT_HISTORY_LIMIT;
    // With only `since`, read forward from it; otherwise the newest page before `before`.
    const forward = data.since !== undefined && data.before === undefined;
    const rows = await this.deps.conversation.readMessages(urn, {
      ...(data.since !== undefined ? { afterSeq: data.since } : {}),
      ...(data.before !== undefined ? { beforeSeq: data.before } : {}),
      limit,
      newestFirst: !forward,
    });
    if (!forward) rows.reverse();
    const files = await this.deps.media.attachmentsOf(urn, rows);
    return { messages: rows.map((m) => toHistoryItem(m, files.get(m.id))) };
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

function toHistoryItem(m: StoredMessage, file?: { type: string; url: string }): HistoryItem {
  return {
    ...m.payload,
    ...(file ? { attachments: [file] } : {}),
    seq: m.seq,
    direction: m.direction,
    id: m.id,
    text: m.text,
    createdAt: new Date(m.createdAt).toISOString(),
  };
}

/** SocketCluster uploads name no message type: it follows from the data URL's content type. */
function kindOfDataUrl(dataUrl: string): MediaKind {
  const m = /^data:(image|audio|video)\//i.exec(dataUrl);
  return m ? (m[1]!.toLowerCase() as MediaKind) : 'file';
}

/** One row of the event table. */
export interface EventSpec {
  handler: (events: WidgetEvents, ctx: WidgetContext, data: unknown) => Promise<unknown>;
  /** How the reply is framed: both slots carry a JSON string, or SocketCluster's standard reply. */
  reply: 'both-slots' | 'standard';
  /** The limit it counts against besides CLIENT_RATE: registrations per address (REGISTRATIONS_PER_MINUTE). */
  limit?: 'registrations';
}

/**
 * The inbound event table, the one place an event is defined: what it does, how its reply is
 * framed, which limit it counts against. Real widgets JSON.parse the first reply argument of
 * registerUser and getSuggestions, so those replies carry a JSON string in both slots.
 */
export const SC_EVENTS = {
  registerUser: { handler: async (e, ctx, data) => ({ urn: await e.registerUser(ctx, data) }), reply: 'both-slots', limit: 'registrations' },
  sendMessageToChannel: {
    handler: async (e, ctx, data) => {
      const m = await e.sendMessage(ctx, data);
      return m.media_url !== undefined ? { id: m.id, seq: m.seq, media_url: m.media_url } : { id: m.id, seq: m.seq };
    },
    reply: 'standard',
  },
  getHistory: { handler: (e, ctx, data) => e.getHistory(ctx, data), reply: 'standard' },
  // The gateway has no NLP; answer in the shape widgets parse so they carry on.
  getSuggestions: { handler: async () => ({ result: [] }), reply: 'both-slots' },
} satisfies Record<string, EventSpec>;

export type WidgetEvent = keyof typeof SC_EVENTS;
export const WIDGET_EVENTS = Object.keys(SC_EVENTS) as WidgetEvent[];
