// SocketCluster frames the gateway writes itself. Delivery bypasses socketcluster-server's
// transmit(), which queues through an async stream: writing straight to the socket keeps
// publishes and keep-alive pings in one ordered stream, which the receipt proof relies on.
import type { StoredMessage } from '../store/store.js';

/** `#publish` on the session's channel: what `socket.subscribe(urn).watch()` receives. */
export function publishFrame(channel: string, message: StoredMessage): string {
  return `{"event":"#publish","data":{"channel":${JSON.stringify(channel)},"data":${payloadJson(message)}}}`;
}

/** The raw `receivedMessageFromChannel` event some third-party embeds listen for. */
export function receivedFrame(message: StoredMessage): string {
  return `{"event":"receivedMessageFromChannel","data":${payloadJson(message)}}`;
}

const deliveryCache = new WeakMap<StoredMessage, string>();

/**
 * Both frames of one delivery as a single SocketCluster batch (a JSON array, which both client
 * generations unpack in order): one WebSocket write per message instead of two. Built once per
 * message, shared by every socket of the session.
 */
export function deliveryFrame(message: StoredMessage): string {
  let frame = deliveryCache.get(message);
  if (frame === undefined) {
    frame = `[${publishFrame(message.urn, message)},${receivedFrame(message)}]`;
    deliveryCache.set(message, frame);
  }
  return frame;
}

const cache = new WeakMap<StoredMessage, string>();

/** The widget payload: the platform's fields plus the gateway's seq; serialised once. */
export function payloadJson(message: StoredMessage): string {
  let json = cache.get(message);
  if (json === undefined) {
    json = JSON.stringify({ ...message.payload, seq: message.seq });
    cache.set(message, json);
  }
  return json;
}

/** Reply whose error and data slots both carry `json`: v9 widgets read only the first argument. */
export function bothSlotsReply(rid: number, json: string): string {
  const s = JSON.stringify(json);
  return `{"rid":${rid},"error":${s},"data":${s}}`;
}
