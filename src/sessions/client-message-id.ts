// Client message ids: a client names each message it sends (at the keystroke) and may send it
// again until the gateway confirms it; the gateway stores a repeated id from the same session
// once (Store.appendInboundOnce). Both front-ends take the id from their own frame field
// (SocketCluster: sendMessageToChannel's `clientMessageId`) and check it here.
import { GatewayError } from '../errors/catalogue.js';

export const CLIENT_MESSAGE_ID_MAX_LENGTH = 64;
const CLIENT_MESSAGE_ID = /^[A-Za-z0-9_.:-]+$/;

/** undefined when absent; the id when valid; otherwise WG_ERR_INVALID_CLIENT_MESSAGE_ID. */
export function parseClientMessageId(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > CLIENT_MESSAGE_ID_MAX_LENGTH || !CLIENT_MESSAGE_ID.test(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value;
    throw new GatewayError(
      'WG_ERR_INVALID_CLIENT_MESSAGE_ID',
      `clientMessageId ${shown} is not 1-${CLIENT_MESSAGE_ID_MAX_LENGTH} characters of [A-Za-z0-9_.:-].`,
    );
  }
  return value;
}
