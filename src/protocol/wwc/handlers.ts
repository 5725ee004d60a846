// What each WWC client frame does, in terms of the core: registration (admission, session
// claim with the token bound at first register), user messages, history, and the small
// request/answer frames. The connection stays up whatever a frame holds: bad input gets an
// `error` frame.
import type { Admission } from '../../core/admission.js';
import type { ContactFields } from '../../core/contact-fields.js';
import type { ConnectionRegistry } from '../../core/connections.js';
import type { ConnectionPolicy } from '../../core/connection-policy.js';
import type { Conversation } from '../../core/conversation.js';
import type { TokenBindings } from '../../core/token-bindings.js';
import type { Deliverer } from '../../delivery/deliverer.js';
import { isGatewayError } from '../../errors/catalogue.js';
import type { Logger } from '../../log/logger.js';
import type { PlatformTargets } from '../../platform/targets.js';
import { extrasPayload } from '../../platform/user-extras.js';
import type { StoredMessage } from '../../store/store.js';
import { WwcConnection } from './connection.js';
import { ERR_ALREADY_EXISTS, ERR_NOT_REGISTERED, errorFrame, historyItem, simpleFrame, WARNING_CLOSED, type HistoryItem } from './frames.js';
import { ackFrame } from './media-frames.js';
import type { MediaService } from '../../core/media.js';
import {
  FrameError,
  parseCloseSession,
  parseHistoryParams,
  parseMessage,
  parseRegister,
  parseSetCustomField,
  type Frame,
  type TextMessage,
} from './validate.js';

export const READY_HISTORY = 20;
/** Platform messages waiting beyond this many are not looked through for history pages. */
const MAX_HISTORY_SCAN = 5_000;

export interface WwcHandlerDeps {
  conversation: Conversation;
  policy: ConnectionPolicy;
  tokens: TokenBindings;
  contactFields: ContactFields;
  admission: Admission;
  deliverer: Deliverer;
  registry: ConnectionRegistry;
  targets: PlatformTargets;
  log: Logger;
  defaultLanguage: string;
  media: MediaService;
}

export class WwcHandlers {
  constructor(private readonly deps: WwcHandlerDeps) {}

  /** Handles one frame; returns nothing, answers on the connection. */
  async handle(conn: WwcConnection, frame: Frame): Promise<void> {
    try {
      if (frame.type === 'register') return await this.register(conn, frame);
      if (frame.type === 'close_session') return await this.closeSession(conn, frame);
      const urn = conn.sessionUrn;
      if (urn === undefined) throw new FrameError(ERR_NOT_REGISTERED);
      switch (frame.type) {
        case 'message':
        case 'message_with_fields': {
          const m = parseMessage(frame);
          if ('text' in m) await this.userMessage(urn, m);
          else conn.send(ackFrame(urn, await this.deps.media.accept(urn, m.kind, m.media, m.caption, m.clientMessageId)));
          return;
        }
        case 'ping':
          conn.send(simpleFrame('pong'));
          return;
        case 'get_history': {
          const { limit, page } = parseHistoryParams(frame);
          const history = await this.history(conn, limit, page);
          conn.send(JSON.stringify(history.length > 0 ? { type: 'history', history } : { type: 'history' }));
          return;
        }
        case 'get_project_language':
          conn.send(simpleFrame('project_language', { data: { language: this.deps.defaultLanguage } }));
          return;
        case 'verify_contact_timeout':
          // The gateway keeps no tickets: a visitor may always start afresh after the timeout.
          conn.send(simpleFrame('allow_contact_timeout'));
          return;
        case 'set_custom_field':
          // No frame on success (as weni-webchat-socket); the fields go with the next message.
          try {
            await this.deps.contactFields.remember(urn, parseSetCustomField(frame));
          } catch (err) {
            if (err instanceof RangeError) throw new FrameError(`set custom field: ${err.message}`);
            throw err;
          }
          return;
        default:
          throw new FrameError('invalid payload: invalid payload type');
      }
    } catch (err) {
      conn.send(errorFrame(this.errorText(err, frame.type)));
    }
  }

  /** Stored with its context and contact fields (those waiting from set_custom_field included). */
  private async userMessage(urn: string, m: TextMessage): Promise<void> {
    const fields = await this.deps.contactFields.forMessage(urn, m.fields);
    const payload = extrasPayload({ context: m.context, ...(fields.fields ? { contactFields: fields.fields } : {}) });
    await this.deps.conversation.acceptUserMessage(urn, m.text, m.clientMessageId, payload);
    await fields.sent();
  }

  private errorText(err: unknown, type: string): string {
    if (err instanceof FrameError) return err.message;
    if (isGatewayError(err)) return `${type}: ${err.code}: ${err.message}`;
    this.deps.log.error({ err, frame: type }, 'wwc frame failed');
    return `${type}: WG_ERR_INTERNAL: unexpected internal error; it has been logged`;
  }

  private async register(conn: WwcConnection, frame: Frame): Promise<void> {
    const r = parseRegister(frame);
    if (conn.sessionUrn !== undefined) {
      throw new FrameError(conn.sessionUrn === r.from ? 'unable to register: this connection is already registered' : ERR_ALREADY_EXISTS);
    }
    // The gateway never posts to the URL a client wrote: the callback only selects one of the
    // configured platforms by origin; the connector builds the URL from configuration.
    let hostApi: string | null;
    try {
      hostApi = this.deps.targets.resolve(r.callback.origin);
    } catch {
      throw new FrameError(`invalid payload: the callback's platform ${r.callback.origin} is not allowed (PLATFORM_URL, PLATFORM_HOSTS)`);
    }
    await this.deps.admission.register(conn.ip);
    const tokens = this.deps.tokens;
    let session;
    try {
      const record = { urn: r.from, channelUuid: r.channelUuid, hostApi, createdAt: Date.now() };
      ({ session } = await this.deps.conversation.claim(record, () => tokens.owns(r.from, r.token)));
    } catch (err) {
      if (isGatewayError(err) && err.code === 'WG_ERR_SESSION_TAKEN') throw new FrameError(ERR_ALREADY_EXISTS);
      throw err;
    }
    await tokens.bind(r.from, r.token);
    if (!conn.open) return;
    this.deps.policy.bind(conn, session.urn);
    // Replay starts at what a widget proved to hold; history stops where replay starts, so a
    // message never comes both as history and as a replayed live frame.
    const { delivered: replayFrom, newest } = await this.deps.conversation.positions(session.urn);
    conn.view = { channelUuid: session.channelUuid, ceiling: newest, replayFrom };
    const history = await this.history(conn, READY_HISTORY, 1);
    conn.send(JSON.stringify({ type: 'ready_for_message', data: { history } }));
    // After ready_for_message: webchat-service drops live messages it holds when that comes.
    await this.deps.deliverer.subscribe(conn, session.urn, replayFrom);
    if (r.trigger) await this.deps.conversation.acceptUserMessage(session.urn, r.trigger);
  }

  /** Ends the other connections of the caller's own session, or of a session whose bound token it names. */
  private async closeSession(conn: WwcConnection, frame: Frame): Promise<void> {
    const { from, token } = parseCloseSession(frame);
    let allowed = conn.sessionUrn === from;
    if (!allowed && token !== undefined && token !== '') allowed = await this.deps.tokens.names(from, token);
    if (!allowed) throw new FrameError('token does not match that of the client');
    let closed = 0;
    for (const other of [...this.deps.registry.forSession(from)]) {
      if (other === conn) continue;
      if (other instanceof WwcConnection) other.send(JSON.stringify({ type: 'warning', warning: WARNING_CLOSED }));
      other.close(1000, WARNING_CLOSED);
      closed++;
    }
    this.deps.log.info({ urn: from, closed }, 'close_session');
  }

  /**
   * History page `page` of `limit` items, newest first: messages up to the connection's ceiling,
   * leaving out the platform messages it gets as replayed live frames.
   */
  private async history(conn: WwcConnection, limit: number, page: number): Promise<HistoryItem[]> {
    const view = conn.view!;
    const skip = (page - 1) * limit;
    if (skip >= MAX_HISTORY_SCAN) return [];
    const excluded = Math.min(Math.max(0, view.ceiling - view.replayFrom), MAX_HISTORY_SCAN);
    const rows: StoredMessage[] = await this.deps.conversation.readMessages(conn.sessionUrn!, {
      beforeSeq: view.ceiling + 1,
      newestFirst: true,
      limit: skip + limit + excluded,
    });
    const items: HistoryItem[] = [];
    const files = await this.deps.media.forMessages(conn.sessionUrn!, rows);
    for (const m of rows) {
      if (m.direction === 'out' && m.seq > view.replayFrom) continue;
      const file = files.get(m.id);
      const item = historyItem(m, view.channelUuid, file && { kind: file.kind, url: this.deps.media.url(file), caption: file.caption });
      if (item) items.push(item);
    }
    return items.slice(skip, skip + limit);
  }
}
