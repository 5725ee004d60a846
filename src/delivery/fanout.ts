import type { StoredMessage } from '../store/store.js';

/**
 * Tells the gateway processes that hold a session's sockets that the session has a new message
 * (socket.io's Adapter idea): the in-process default, or Redis pub/sub when several processes
 * share a store. It only wakes delivery; the store stays the source of truth, so a lost
 * notification delays a message until the next message, resync or subscription, and never
 * loses it.
 */
export interface Fanout {
  /** A message was stored by this process. */
  publish(message: StoredMessage): void;
  /** Where notifications for watched sessions go (local ones included). */
  onMessage(handler: (message: StoredMessage) => void): void;
  /**
   * Start receiving a session's notifications. Resolves once they will arrive, so a store read
   * made after it cannot miss a message.
   */
  watch(urn: string): Promise<void>;
  unwatch(urn: string): void;
  /**
   * A typing indicator for a session, for the other processes holding its sockets (this one
   * relays it itself). Not stored: a lost one is just not shown.
   */
  publishTyping(urn: string, from: string): void;
  /** Where typing indicators published by other processes go. */
  onTyping(handler: (urn: string, from: string) => void): void;
  /** Called when notifications may have been lost (a reconnect): re-read the store. */
  onResync(handler: () => void): void;
  /** End-to-end check: does a notification published now come back? */
  healthy(): Promise<{ ok: boolean; detail: string }>;
  close(): Promise<void>;
}

export class LocalFanout implements Fanout {
  private handler: (message: StoredMessage) => void = () => {};

  publish(message: StoredMessage): void {
    this.handler(message);
  }

  onMessage(handler: (message: StoredMessage) => void): void {
    this.handler = handler;
  }

  /** One process: the caller relays to its own connections. */
  publishTyping(_urn: string, _from: string): void {}
  onTyping(_handler: (urn: string, from: string) => void): void {}

  async watch(_urn: string): Promise<void> {}
  unwatch(_urn: string): void {}
  onResync(_handler: () => void): void {}

  async healthy(): Promise<{ ok: boolean; detail: string }> {
    return { ok: true, detail: 'in-process' };
  }

  async close(): Promise<void> {}
}
