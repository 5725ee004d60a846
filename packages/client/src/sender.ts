// Sends the outbox: pending entries one at a time, in order, each with its client message id,
// until the outbox is empty or a send fails. A transient failure pauses and tries again; a
// permanent refusal marks the entry failed and goes on; a lost session hands over to the client.
import type { Outbox, OutboxEntry } from './outbox.js';
import { CallError, type ScSocket } from './sc-socket.js';

/** Refusals that sending again cannot fix: the message is marked failed (the visitor may retry). */
export const PERMANENT = new Set(['WG_ERR_TEXT_TOO_LONG', 'WG_ERR_INVALID_PAYLOAD', 'WG_ERR_INVALID_CLIENT_MESSAGE_ID', 'WG_ERR_CLIENT_MESSAGE_ID_REUSED']);
/** Refusals that mean the session is gone: register a new one. */
export const SESSION_LOST = new Set(['WG_ERR_NOT_REGISTERED', 'WG_ERR_NOT_SESSION_OWNER', 'WG_ERR_UNKNOWN_SESSION', 'WG_ERR_SESSION_TAKEN']);

export interface SenderHost {
  /** The socket to send on and the session's urn, or undefined while not online. */
  target(): { socket: ScSocket; urn: string } | undefined;
  confirmed(entry: OutboxEntry, ack: { id: string; seq: number }): void;
  failed(entry: OutboxEntry, code: string): void;
  sessionLost(socket: ScSocket): void;
  /** Pause before trying again after a transient failure. */
  retryDelay(): number;
}

export class OutboxSender {
  private flushing = false;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly outbox: Outbox,
    private readonly host: SenderHost,
  ) {}

  async flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return;
    }
    this.flushing = true;
    clearTimeout(this.timer);
    try {
      do {
        this.again = false;
        for (const entry of this.outbox.pending()) {
          const target = this.host.target();
          if (!target) return;
          try {
            const ack = (await target.socket.call('sendMessageToChannel', {
              text: entry.text,
              userUrn: target.urn,
              clientMessageId: entry.clientMessageId,
            })) as { id: string; seq: number };
            this.host.confirmed(entry, ack);
          } catch (err) {
            const code = err instanceof CallError ? err.code : 'WG_CLIENT_ERROR';
            if (PERMANENT.has(code)) {
              this.host.failed(entry, code);
              continue;
            }
            if (SESSION_LOST.has(code)) {
              this.host.sessionLost(target.socket);
              return;
            }
            // Transient (timeout, rate limit, store unavailable): try again after a pause.
            if (target.socket.isOpen) this.timer = setTimeout(() => void this.flush(), this.host.retryDelay());
            return;
          }
        }
      } while (this.again);
    } finally {
      this.flushing = false;
    }
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
