import type { StoredMessage } from '../store/store.js';

/**
 * Tells every gateway process that a session has a new message (socket.io's Adapter idea): the
 * in-process default, or Redis pub/sub when several processes share a store. It only wakes
 * delivery; the store stays the source of truth, so a lost notification delays a message until
 * the next subscription or gap, it never loses it.
 */
export interface Fanout {
  publish(message: StoredMessage): void;
  onMessage(handler: (message: StoredMessage) => void): void;
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

  async close(): Promise<void> {}
}
