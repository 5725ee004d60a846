// SocketCluster frames the gateway writes itself. Delivery bypasses socketcluster-server's
// transmit(), which queues through an async stream: writing straight to the socket keeps
// publishes and keep-alive pings in one ordered stream, which the receipt proof relies on.
import type { StoredMessage } from '../../store/store.js';

/**
 * The two events of one delivery: `#publish` on the session's channel (what
 * `socket.subscribe(urn).watch()` receives) and the raw `receivedMessageFromChannel` some
 * third-party embeds listen for. Sent as one SocketCluster batch (a JSON array, which both
 * client generations unpack in order): one WebSocket write per message instead of two.
 */
export function deliveryFrame(message: StoredMessage): string {
  const payload = payloadJson(message);
  return `[{"event":"#publish","data":{"channel":${JSON.stringify(message.urn)},"data":${payload}}},{"event":"receivedMessageFromChannel","data":${payload}}]`;
}

/**
 * deliveryFrame with a memory of one: a session's sockets are usually handed the same message one
 * after another, so the last frame is the one a repeat needs; any other order only costs a
 * rebuild, never a wrong frame. One per server (a WeakMap per message cost more: about 2 us per
 * message, and ephemerons for the GC).
 */
export function deliveryFramer(): (message: StoredMessage) => string {
  let last: StoredMessage | undefined;
  let frame = '';
  return (message) => {
    if (message !== last) {
      frame = deliveryFrame(message);
      last = message;
    }
    return frame;
  };
}

/**
 * The widget payload: the platform's fields plus the gateway's seq, last. Spliced into the
 * payload's JSON rather than stringifying a copy with seq added; same text.
 */
export function payloadJson(message: StoredMessage): string {
  const { payload, seq } = message;
  if (Object.hasOwn(payload, 'seq')) return JSON.stringify({ ...payload, seq }); // ours replaces the platform's
  const json = JSON.stringify(payload);
  return json === '{}' ? `{"seq":${seq}}` : `${json.slice(0, -1)},"seq":${seq}}`;
}

/** Reply whose error and data slots both carry `json`: v9 widgets read only the first argument. */
export function bothSlotsReply(rid: number, json: string): string {
  const s = JSON.stringify(json);
  return `{"rid":${rid},"error":${s},"data":${s}}`;
}

/** The platform is typing to this session (raw event `typing`; widgets that do not know it ignore it). */
export function typingFrame(urn: string): string {
  return `{"event":"typing","data":{"to":${JSON.stringify(urn)},"typing":true}}`;
}
