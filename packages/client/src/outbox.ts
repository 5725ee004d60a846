// The local outbox: every message the visitor sends gets a client message id at the keystroke
// and waits here, in storage, until the gateway confirms it is stored ({id, seq}). It survives
// reloads; it is sent again after every reconnect. The gateway stores a repeated id once, so a
// resend (lost answer, second tab, reload) can never make a second message.
//
// Every operation reads storage afresh before it writes, so two tabs of one site share one
// outbox without overwriting each other's entries.
import { readJson, writeJson, type KeyValueStorage } from './storage.js';

export type OutboxState = 'pending' | 'failed';

export interface OutboxEntry {
  clientMessageId: string;
  text: string;
  /** When the visitor sent it (ms since epoch). */
  createdAt: number;
  state: OutboxState;
  /** Why it failed (a WG_ERR_* code) when state is 'failed'. */
  error?: string;
}

export class Outbox {
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly key: string,
  ) {}

  /** All entries, oldest first. */
  entries(): OutboxEntry[] {
    const list = readJson<OutboxEntry[]>(this.storage, this.key, []);
    return Array.isArray(list) ? list.filter(isEntry) : [];
  }

  /** The entries waiting to be sent, oldest first. */
  pending(): OutboxEntry[] {
    return this.entries().filter((e) => e.state === 'pending');
  }

  add(entry: Omit<OutboxEntry, 'state'>): OutboxEntry {
    const full: OutboxEntry = { ...entry, state: 'pending' };
    this.update((list) => (list.some((e) => e.clientMessageId === entry.clientMessageId) ? list : [...list, full]));
    return full;
  }

  /** The gateway stored it: it leaves the outbox. Returns whether it was there. */
  confirm(clientMessageId: string): boolean {
    let found = false;
    this.update((list) =>
      list.filter((e) => {
        if (e.clientMessageId !== clientMessageId) return true;
        found = true;
        return false;
      }),
    );
    return found;
  }

  /** The gateway refused it for good (e.g. too long): kept, marked failed, not sent again. */
  fail(clientMessageId: string, error: string): void {
    this.update((list) => list.map((e) => (e.clientMessageId === clientMessageId ? { ...e, state: 'failed' as const, error } : e)));
  }

  /** The visitor asked to try a failed entry again. */
  retry(clientMessageId: string): boolean {
    let found = false;
    this.update((list) =>
      list.map((e) => {
        if (e.clientMessageId !== clientMessageId || e.state !== 'failed') return e;
        found = true;
        const { error: _error, ...rest } = e;
        return { ...rest, state: 'pending' as const };
      }),
    );
    return found;
  }

  /** The visitor gave up on a failed entry. */
  discard(clientMessageId: string): void {
    this.update((list) => list.filter((e) => e.clientMessageId !== clientMessageId));
  }

  private update(change: (list: OutboxEntry[]) => OutboxEntry[]): void {
    writeJson(this.storage, this.key, change(this.entries()));
  }
}

function isEntry(e: unknown): e is OutboxEntry {
  const o = e as OutboxEntry;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.clientMessageId === 'string' &&
    typeof o.text === 'string' &&
    (o.state === 'pending' || o.state === 'failed')
  );
}

/** A client message id: time-ordered prefix plus randomness, within the gateway's charset. */
export function newClientMessageId(now = Date.now(), random: () => number = Math.random): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  const rand = c?.randomUUID
    ? c.randomUUID().replace(/-/g, '').slice(0, 20)
    : Array.from({ length: 20 }, () => Math.floor(random() * 36).toString(36)).join('');
  return `${now.toString(36)}-${rand}`;
}
