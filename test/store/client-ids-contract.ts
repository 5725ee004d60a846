// Contract of Store.appendInboundOnce (client message ids), run on every backend next to the main
// suite (store-contract.ts). Times are passed explicitly; nothing sleeps.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { UnknownSessionError } from '../../src/store/store.js';
import type { Store, StoreFixture } from './store-contract.js';

const T0 = 1_700_000_000_000;
const LEASE = 30_000;

export function runClientIdContract(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`${name} store contract: client message ids`, () => {
    let fx: StoreFixture;
    let store: Store;
    beforeEach(async () => {
      fx = await makeStore();
      store = fx.store;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    const create = (urn: string) => store.createSession({ urn, channelUuid: 'chan-1', hostApi: null, createdAt: T0 });
    const once = (urn: string, clientId: string, id: string, createdAt = T0, s: Store = store) =>
      s.appendInboundOnce(urn, { id, clientId, text: `text ${clientId}`, createdAt });

    it('stores a repeated client id once, with one outbox entry, and returns the stored message', async () => {
      await create('ext:a');
      const first = await once('ext:a', 'c-1', 'gw-1', T0 + 1);
      assert.deepEqual(first, {
        message: { urn: 'ext:a', seq: 1, direction: 'in', id: 'gw-1', text: 'text c-1', payload: { clientMessageId: 'c-1' }, createdAt: T0 + 1 },
        duplicate: false,
      });
      const again = await once('ext:a', 'c-1', 'gw-2', T0 + 2);
      assert.deepEqual(again, { message: first.message, duplicate: true });
      assert.deepEqual(await store.readMessages('ext:a', { limit: 10 }), [first.message]);
      assert.deepEqual(await store.outboxStats(), { pending: 1, failed: 0 });
      const entries = await store.claimOutbox(T0 + 10, 10, LEASE);
      assert.deepEqual(
        entries.map((e) => [e.seq, e.messageId, e.text]),
        [[1, 'gw-1', 'text c-1']],
      );
      // The repeat did not use up a seq.
      assert.equal((await store.appendInbound('ext:a', { id: 'gw-3', text: 'plain', createdAt: T0 + 3 })).seq, 2);
    });

    it('finds the message stored under a client id, only within its session, and not once pruned', async () => {
      await create('ext:a');
      await create('ext:b');
      assert.equal(await store.findInboundOnce('ext:a', 'c-1'), null);
      const first = await once('ext:a', 'c-1', 'gw-1', T0);
      await store.appendInbound('ext:a', { id: 'c-2', text: 'plain', createdAt: T0 + 1 });
      assert.deepEqual(await store.findInboundOnce('ext:a', 'c-1'), first.message);
      assert.equal(await store.findInboundOnce('ext:b', 'c-1'), null);
      assert.equal(await store.findInboundOnce('ext:a', 'c-2'), null, 'a plain message has no client id');
      assert.equal(await store.findInboundOnce('ext:ghost', 'c-1'), null);
      await store.prune({ now: T0 + 10_000, maxAge: 5_000, maxMessagesPerSession: 100 });
      assert.equal(await store.findInboundOnce('ext:a', 'c-1'), null);
    });

    it('a repeat after the platform took the message is still a duplicate and queues nothing', async () => {
      await create('ext:a');
      const first = await once('ext:a', 'c-1', 'gw-1');
      const [entry] = await store.claimOutbox(T0, 10, LEASE);
      await store.completeOutbox(entry!);
      const again = await once('ext:a', 'c-1', 'gw-2', T0 + 5);
      assert.deepEqual([again.duplicate, again.message.seq, again.message.id], [true, first.message.seq, 'gw-1']);
      assert.deepEqual(await store.outboxStats(), { pending: 0, failed: 0 });
      assert.deepEqual(await store.claimOutbox(T0 + 10 * LEASE, 10, LEASE), []);
    });

    it('client ids are per session, and apart from platform ids and plain inbound messages', async () => {
      await create('ext:a');
      await create('ext:b');
      await store.appendOutbound('ext:a', { id: 'c-1', text: 'platform', payload: {}, createdAt: T0 });
      await store.appendInbound('ext:a', { id: 'c-2', text: 'plain', createdAt: T0 });
      const a = await once('ext:a', 'c-1', 'gw-a');
      const a2 = await once('ext:a', 'c-2', 'gw-a2');
      const b = await once('ext:b', 'c-1', 'gw-b');
      assert.deepEqual([a.duplicate, a.message.seq, a2.duplicate, a2.message.seq, b.duplicate, b.message.seq], [false, 3, false, 4, false, 1]);
      assert.deepEqual(await store.outboxStats(), { pending: 4, failed: 0 });
    });

    it('keeps the order of messages sent with and without client ids in one sequence', async () => {
      await create('ext:a');
      await once('ext:a', 'x', 'gw-1');
      await store.appendInbound('ext:a', { id: 'gw-2', text: 'plain', createdAt: T0 });
      await once('ext:a', 'y', 'gw-3');
      await once('ext:a', 'x', 'gw-4');
      const read = await store.readMessages('ext:a', { limit: 10 });
      assert.deepEqual(
        read.map((m) => [m.seq, m.id, m.payload]),
        [
          [1, 'gw-1', { clientMessageId: 'x' }],
          [2, 'gw-2', {}],
          [3, 'gw-3', { clientMessageId: 'y' }],
        ],
      );
      const claimed: string[] = [];
      for (let i = 0; i < 3; i++) {
        const [e] = await store.claimOutbox(T0 + i, 10, LEASE);
        claimed.push(e!.messageId);
        await store.completeOutbox(e!);
      }
      assert.deepEqual(claimed, ['gw-1', 'gw-2', 'gw-3']);
    });

    it('many concurrent repeats of one id store it once', async () => {
      await create('ext:a');
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => once('ext:a', 'same', `gw-${i}`, T0 + i)));
      assert.equal(results.filter((r) => !r.duplicate).length, 1);
      assert.equal(new Set(results.map((r) => `${r.message.id}#${r.message.seq}`)).size, 1);
      assert.equal((await store.readMessages('ext:a', { limit: 100 })).length, 1);
      assert.deepEqual(await store.outboxStats(), { pending: 1, failed: 0 });
    });

    it('rejects an unknown session with UnknownSessionError and stores nothing', async () => {
      await assert.rejects(once('ext:ghost', 'c-1', 'gw-1'), (err) => err instanceof UnknownSessionError && err.urn === 'ext:ghost');
      assert.deepEqual(await store.outboxStats(), { pending: 0, failed: 0 });
    });

    it('forgets a client id with its pruned message, and with its deleted session', async () => {
      await create('ext:a');
      await once('ext:a', 'old', 'gw-1', T0);
      await once('ext:a', 'new', 'gw-2', T0 + 10_000);
      assert.equal(await store.prune({ now: T0 + 10_000, maxAge: 5_000, maxMessagesPerSession: 100 }), 1);
      const reused = await once('ext:a', 'old', 'gw-3', T0 + 10_001);
      assert.deepEqual([reused.duplicate, reused.message.seq], [false, 3]);
      assert.equal((await once('ext:a', 'new', 'gw-4', T0 + 10_002)).duplicate, true);

      await store.deleteSession('ext:a');
      await create('ext:a');
      const fresh = await once('ext:a', 'new', 'gw-5', T0 + 20_000);
      assert.deepEqual([fresh.duplicate, fresh.message.seq, fresh.message.id], [false, 1, 'gw-5']);
    });

    it('two instances over the same backend store a repeated id once', async (t) => {
      if (!fx.reopen) return t.skip('backend cannot be shared between instances');
      const other = await fx.reopen();
      try {
        await create('ext:a');
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => once('ext:a', 'shared', `gw-${i}`, T0 + i, i % 2 ? other : store)));
        assert.equal(results.filter((r) => !r.duplicate).length, 1);
        assert.equal((await other.readMessages('ext:a', { limit: 100 })).length, 1);
        assert.deepEqual(await store.outboxStats(), { pending: 1, failed: 0 });
      } finally {
        await other.close();
      }
    });
  });
}
