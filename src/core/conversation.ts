// Session binding and the messages of a conversation, whatever the wire protocol: claiming a
// session (created, or resumed by its proven owner), accepting a user message (stored before
// anything else, then handed to delivery and the outbox), reading history.
import { GatewayError } from '../errors/catalogue.js';
import type { Logger } from '../log/logger.js';
import { newMessageId } from '../sessions/ids.js';
import { storeWriteError } from './store-errors.js';
import type { MessageLog, ReadOptions, SessionRecord, SessionStore, StoredMessage } from '../store/store.js';

export interface ConversationDeps {
  store: Pick<SessionStore, 'createSession' | 'getSession'> & MessageLog;
  maxTextLength: number;
  log: Logger;
  /** A user message is stored: deliver to other tabs and wake the outbox. */
  onUserMessage(message: StoredMessage): void;
}

export class Conversation {
  constructor(private readonly deps: ConversationDeps) {}

  /**
   * Creates the session, or resumes it when `owns` says the caller proved it is its owner
   * (called with the stored record). Anyone else gets WG_ERR_SESSION_TAKEN: a guessed or leaked
   * id never reads someone else's conversation.
   */
  async claim(record: SessionRecord, owns: (existing: SessionRecord) => boolean | Promise<boolean>): Promise<{ created: boolean; session: SessionRecord }> {
    const result = await this.deps.store.createSession(record);
    if (!result.created && !(await owns(result.session))) throw new GatewayError('WG_ERR_SESSION_TAKEN');
    this.deps.log.info(
      { urn: record.urn, created: result.created, channelUuid: result.session.channelUuid, hostApi: result.session.hostApi },
      result.created ? 'session created' : 'session resumed',
    );
    return result;
  }

  /**
   * Stores a user message durably (the outbox forwards it); length-checked first. With a client
   * message id, a repeat from the same session is the same message: answered from the store,
   * forwarded once (a different text under the same id is refused). `payload` is stored with the
   * message for the platform dialect (see src/platform/user-extras.ts). `id`: a message id chosen
   * beforehand (a file's message, see media.ts).
   */
  async acceptUserMessage(
    urn: string,
    text: string,
    clientMessageId?: string,
    payload?: Record<string, unknown>,
    id: string = newMessageId(),
  ): Promise<StoredMessage> {
    if (text.length > this.deps.maxTextLength) {
      throw new GatewayError('WG_ERR_TEXT_TOO_LONG', `text has ${text.length} characters; the limit is ${this.deps.maxTextLength}.`);
    }
    let result: { message: StoredMessage; duplicate: boolean };
    try {
      const msg = { id, text, createdAt: Date.now(), ...(payload ? { payload } : {}) };
      result =
        clientMessageId === undefined
          ? { message: await this.deps.store.appendInbound(urn, msg), duplicate: false }
          : await this.deps.store.appendInboundOnce(urn, { ...msg, clientId: clientMessageId });
    } catch (err) {
      throw storeWriteError(err, this.deps.log, 'user message', urn);
    }
    const { message, duplicate } = result;
    if (duplicate) {
      if (message.text !== text) throw new GatewayError('WG_ERR_CLIENT_MESSAGE_ID_REUSED');
      this.deps.log.debug({ urn, seq: message.seq, clientMessageId }, 'user message repeated; answered from the store');
      return message;
    }
    this.deps.log.debug({ urn, seq: message.seq, text: message.text }, 'user message accepted');
    this.deps.onUserMessage(message);
    return message;
  }

  /** The user message stored under a client message id (acceptUserMessage), or null. */
  async findUserMessage(urn: string, clientMessageId: string): Promise<StoredMessage | null> {
    try {
      return await this.deps.store.findInboundOnce(urn, clientMessageId);
    } catch (err) {
      this.deps.log.error({ err, urn }, 'could not look up a client message id');
      throw new GatewayError('WG_ERR_STORE_UNAVAILABLE');
    }
  }

  /**
   * Is the session still the one a credential was issued for? Honoured only while that very
   * session exists (same creation time when known), so a session ended by the admin API cannot
   * be resumed with an old credential. A store error counts as no.
   */
  async isCurrent(urn: string, createdAt: number | undefined): Promise<boolean> {
    try {
      const session = await this.deps.store.getSession(urn);
      return session !== null && (createdAt === undefined || createdAt === session.createdAt);
    } catch (err) {
      this.deps.log.warn({ err }, 'could not check the session of a credential');
      return false;
    }
  }

  /** Where a session stands: the seq its widgets proved to hold, and its newest seq (0: none). */
  async positions(urn: string): Promise<{ delivered: number; newest: number }> {
    const delivered = await this.deps.store.getDeliveredSeq(urn);
    const [newest] = await this.deps.store.readMessages(urn, { newestFirst: true, limit: 1 });
    return { delivered, newest: newest?.seq ?? 0 };
  }

  readMessages(urn: string, options: ReadOptions): Promise<StoredMessage[]> {
    return this.deps.store.readMessages(urn, options);
  }
}
