// The admin role's part of the shared contract suite (src/store/admin-store.ts): run by
// runStoreContract on memory, SQLite and Redis alike. Times are explicit; nothing sleeps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_PAGE_MAX, InvalidCursorError, UNDELIVERED_CAP, type AdminStore, type Page } from '../../src/store/admin-store.js';
import type { Store } from '../../src/store/store.js';

const T0 = 1_700_000_000_000;
const LEASE = 30_000;

type AdminCapable = Store & AdminStore;

/** Every page of a listing, following nextCursor. */
async function allPages<T>(first: (cursor?: string) => Promise<Page<T>>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await first(cursor);
    pages++;
    items.push(...page.items);
    if (page.nextCursor === null) return { items, pages };
    cursor = page.nextCursor;
    assert.ok(pages < 1000, 'pagination does not end');
  }
}

export function runAdminContract(getStore: () => Store): void {
  describe('admin role', () => {
    const s = (): AdminCapable => {
      const store = getStore() as AdminCapable;
      assert.equal(typeof store.listSessions, 'function', 'the store implements AdminStore');
      return store;
    };
    const create = (urn: string, createdAt: number) => s().createSession({ urn, channelUuid: 'chan-1', hostApi: null, createdAt });
    /** Fails the session's next user message. */
    const failOne = async (urn: string, id: string, at = T0) => {
      await s().appendInbound(urn, { id, text: `text ${id}`, createdAt: at });
      const claimed = (await s().claimOutbox(at + 10_000_000, 100, LEASE)).filter((e) => e.urn === urn);
      for (const e of claimed) await s().failOutbox(e, `HTTP 400 for ${e.messageId}`);
      return claimed;
    };

    it('lists sessions newest first in bounded pages that together hold each session once', async () => {
      // Several share a creation time, so the cursor must break ties.
      for (let i = 0; i < 23; i++) await create(`ext:s${String(i).padStart(2, '0')}`, T0 + Math.floor(i / 3));
      const { items, pages } = await allPages((cursor) => s().listSessions({ cursor, limit: 5 }));
      assert.equal(pages, 5);
      assert.equal(items.length, 23);
      assert.equal(new Set(items.map((x) => x.urn)).size, 23);
      const times = items.map((x) => x.createdAt);
      assert.deepEqual(
        times,
        [...times].sort((a, b) => b - a),
        'newest first',
      );
      const first = await s().listSessions({ limit: 5 });
      assert.equal(first.items.length, 5);
      assert.ok(first.nextCursor);
    });

    it('caps a page at ADMIN_PAGE_MAX whatever limit is asked', async () => {
      for (let i = 0; i < ADMIN_PAGE_MAX + 5; i++) await create(`ext:m${i}`, T0 + i);
      const page = await s().listSessions({ limit: 10_000 });
      assert.equal(page.items.length, ADMIN_PAGE_MAX);
      assert.ok(page.nextCursor);
    });

    it('finds sessions by urn prefix, by urn, in pages', async () => {
      for (const urn of ['visitor-a1', 'visitor-a2', 'visitor-a3', 'visitor-b1', 'other-a1', 'visitor-a']) await create(urn, T0);
      const { items } = await allPages((cursor) => s().listSessions({ prefix: 'visitor-a', cursor, limit: 2 }));
      assert.deepEqual(
        items.map((x) => x.urn),
        ['visitor-a', 'visitor-a1', 'visitor-a2', 'visitor-a3'],
      );
      assert.deepEqual(
        (await s().listSessions({ prefix: 'visitor-b1', limit: 10 })).items.map((x) => x.urn),
        ['visitor-b1'],
      );
      assert.deepEqual((await s().listSessions({ prefix: 'nobody', limit: 10 })).items, []);
    });

    it('refuses a cursor it did not issue', async () => {
      await assert.rejects(s().listSessions({ cursor: 'not-a-cursor', limit: 5 }), InvalidCursorError);
      await assert.rejects(s().listFailedOutbox({ cursor: Buffer.from('{"x":1}').toString('base64url'), limit: 5 }), InvalidCursorError);
    });

    it('summarises a session: last message, undelivered (capped), outbox pending and failed', async () => {
      await create('ext:a', T0);
      let summary = (await s().summarizeSessions(['ext:a', 'ext:unknown']))[0]!;
      assert.deepEqual(summary, {
        urn: 'ext:a',
        channelUuid: 'chan-1',
        hostApi: null,
        createdAt: T0,
        lastMessageAt: null,
        deliveredSeq: 0,
        undelivered: 0,
        outboxPending: 0,
        outboxFailed: 0,
      });
      await failOne('ext:a', 'in-1');
      await s().appendInbound('ext:a', { id: 'in-2', text: 'hi', createdAt: T0 + 5 });
      for (let i = 0; i < 3; i++) await s().appendOutbound('ext:a', { id: `p${i}`, text: 't', payload: {}, createdAt: T0 + 10 + i });
      await s().advanceDeliveredSeq('ext:a', 3); // the first platform message
      summary = (await s().summarizeSessions(['ext:a']))[0]!;
      assert.equal(summary.lastMessageAt, T0 + 12);
      assert.equal(summary.deliveredSeq, 3);
      assert.equal(summary.undelivered, 2);
      assert.equal(summary.outboxPending, 1);
      assert.equal(summary.outboxFailed, 1);
      for (let i = 0; i < UNDELIVERED_CAP + 10; i++) await s().appendOutbound('ext:a', { id: `q${i}`, text: 't', payload: {}, createdAt: T0 + 20 });
      assert.equal((await s().summarizeSessions(['ext:a']))[0]!.undelivered, UNDELIVERED_CAP);
    });

    it('overview counts sessions and the outbox, and tells the oldest pending entry', async () => {
      assert.deepEqual({ ...(await s().storeOverview()), bytes: null }, { sessions: 0, outboxPending: 0, outboxFailed: 0, oldestPendingAt: null, bytes: null });
      await create('ext:a', T0);
      await create('ext:b', T0);
      await failOne('ext:a', 'f1');
      await s().appendInbound('ext:b', { id: 'b1', text: 'x', createdAt: T0 + 100 });
      await s().appendInbound('ext:a', { id: 'a2', text: 'x', createdAt: T0 + 50 });
      await s().appendInbound('ext:a', { id: 'a3', text: 'x', createdAt: T0 + 200 });
      const o = await s().storeOverview();
      assert.equal(o.sessions, 2);
      assert.equal(o.outboxPending, 3);
      assert.equal(o.outboxFailed, 1);
      assert.equal(o.oldestPendingAt, T0 + 50);
    });

    it("lists failed entries newest first in pages, and a session's own outbox in seq order", async () => {
      await create('ext:a', T0);
      await create('ext:b', T0);
      for (let i = 0; i < 7; i++) await failOne(i % 2 ? 'ext:a' : 'ext:b', `f${i}`, T0 + Math.floor(i / 2));
      const { items } = await allPages((cursor) => s().listFailedOutbox({ cursor, limit: 3 }));
      assert.equal(items.length, 7);
      assert.equal(new Set(items.map((x) => x.id)).size, 7);
      assert.ok(items.every((x) => x.state === 'failed' && x.lastError === `HTTP 400 for ${x.messageId}`));
      const times = items.map((x) => x.createdAt);
      assert.deepEqual(
        times,
        [...times].sort((a, b) => b - a),
      );
      await s().appendInbound('ext:a', { id: 'a-pending', text: 'waiting', createdAt: T0 + 9 });
      const own = await s().sessionOutbox('ext:a', 10);
      assert.deepEqual(
        own.map((x) => [x.messageId, x.state]),
        [
          ['f1', 'failed'],
          ['f3', 'failed'],
          ['f5', 'failed'],
          ['a-pending', 'pending'],
        ],
      );
      assert.equal((await s().sessionOutbox('ext:a', 2)).length, 2);
      assert.deepEqual(await s().sessionOutbox('ext:nobody', 10), []);
    });

    it("requeues a failed entry at the end of its session's queue with a fresh age; refuses the rest", async () => {
      await create('ext:a', T0);
      const [failed] = await failOne('ext:a', 'old');
      await s().appendInbound('ext:a', { id: 'newer', text: 'n', createdAt: T0 + 1 });
      const [listed] = (await s().listFailedOutbox({ limit: 10 })).items;
      assert.equal(listed!.messageId, 'old');
      const later = T0 + 90_000_000;
      const r = await s().requeueOutbox(listed!.id, later);
      assert.equal(r.outcome, 'requeued');
      assert.deepEqual(await s().requeueOutbox((r as { id: string }).id, later), { outcome: 'not_failed' });
      assert.deepEqual(await s().requeueOutbox('999999', later), { outcome: 'unknown' });
      assert.deepEqual(await s().requeueOutbox('../etc', later), { outcome: 'unknown' });
      assert.deepEqual(await s().outboxStats(), { pending: 2, failed: 0 });
      assert.equal((await s().storeOverview()).oldestPendingAt, T0 + 1);
      // "newer" first (it was queued while "old" was failed), then "old" again, fresh and unattempted.
      const first = await s().claimOutbox(later, 10, LEASE);
      assert.deepEqual(
        first.map((e) => e.messageId),
        ['newer'],
      );
      await s().completeOutbox(first[0]!);
      const second = await s().claimOutbox(later, 10, LEASE);
      assert.deepEqual(
        second.map((e) => [e.messageId, e.seq, e.attempts, e.createdAt]),
        [['old', failed!.seq, 0, later]],
      );
      await s().completeOutbox(second[0]!);
      assert.deepEqual(await s().outboxStats(), { pending: 0, failed: 0 });
    });

    it('forgets a deleted session in its listings', async () => {
      await create('ext:gone', T0);
      await create('ext:kept', T0 + 1);
      await failOne('ext:gone', 'g1');
      await s().deleteSession('ext:gone');
      assert.deepEqual(
        (await s().listSessions({ limit: 10 })).items.map((x) => x.urn),
        ['ext:kept'],
      );
      assert.deepEqual((await s().listSessions({ prefix: 'ext:g', limit: 10 })).items, []);
      assert.deepEqual((await s().listFailedOutbox({ limit: 10 })).items, []);
    });
  });
}
