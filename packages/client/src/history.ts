// Reading the session's stored messages (getHistory) into the conversation: after a
// (re)connection everything after the last seq held, or the latest page; older pages on demand.
// A visitor message found stored leaves the outbox (its answer may have been lost).
import type { Conversation, WireMessage } from './conversation.js';
import type { Outbox } from './outbox.js';

export const HISTORY_PAGE = 100;

type Call = (params: { since?: number; before?: number; limit: number }) => Promise<unknown>;

export class HistoryReader {
  constructor(
    private readonly conv: Conversation,
    private readonly outbox: Outbox,
    /** Called after a page changed the conversation. */
    private readonly changed: () => void,
  ) {}

  /** After (re)connecting: everything stored after the last seq held, or the latest page. */
  async catchUp(call: Call): Promise<void> {
    if (this.conv.lastSeq === 0) this.merge(await page(call, { limit: HISTORY_PAGE }));
    else await this.since(call, this.conv.lastSeq);
  }

  async since(call: Call, since: number): Promise<void> {
    for (let from = since; ;) {
      const items = await page(call, { since: from, limit: HISTORY_PAGE });
      this.merge(items);
      if (items.length < HISTORY_PAGE) return;
      from = Math.max(from, ...items.map((m) => (typeof m.seq === 'number' ? m.seq : 0)));
    }
  }

  /** The page before `before`; resolves with how many messages were new. */
  async before(call: Call, before: number, limit: number): Promise<number> {
    return this.merge(await page(call, { before, limit }));
  }

  private merge(items: WireMessage[]): number {
    let added = 0;
    for (const w of items) {
      const merged = this.conv.mergeWire(w);
      if (!merged) continue;
      if (merged.added) added++;
      if (merged.message.clientMessageId !== undefined) this.outbox.confirm(merged.message.clientMessageId);
    }
    if (items.length > 0) this.changed();
    return added;
  }
}

async function page(call: Call, params: { since?: number; before?: number; limit: number }): Promise<WireMessage[]> {
  const r = (await call(params)) as { messages?: WireMessage[] } | undefined;
  return Array.isArray(r?.messages) ? r.messages : [];
}
