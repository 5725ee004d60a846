// The shared contract suite: every Store backend must pass it (see src/store/roles.ts).
// Times are passed explicitly (T0 + offsets); nothing sleeps.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, type TestContext } from 'node:test';
import { runAdminContract } from './admin-contract.js';
import type { AdminStore } from '../../src/store/admin-store.js';
import { UnknownSessionError, type OutboxEntry, type SessionRecord, type Store as Roles, type StoredMessage } from '../../src/store/store.js';

/** A backend under test: every storage role, and the admin role (its outboxStats shows the outbox). */
export type Store = Roles & AdminStore;

export interface StoreFixture {
  store: Store;
  /** Closes the store and removes what the fixture created. */
  cleanup: () => Promise<void>;
  /**
   * Opens another Store instance over the same backend (same SQLite file, same Redis db and
   * prefix), as a second gateway process would. The suite closes what it opens. Omitted for
   * backends that cannot be shared (memory): the multi-instance tests are skipped then.
   */
  reopen?: () => Promise<Store>;
}

const T0 = 1_700_000_000_000;
const LEASE = 30_000;

function sessionRecord(urn: string, extra: Partial<SessionRecord> = {}): SessionRecord {
  return { urn, channelUuid: 'chan-1', hostApi: null, createdAt: T0, ...extra };
}

export function runStoreContract(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`${name} store contract`, () => {
    let fx: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fx = await makeStore();
      store = fx.store;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    const create = (urn: string, extra: Partial<SessionRecord> = {}) => store.createSession(sessionRecord(urn, extra));
    const inbound = (urn: string, id: string, createdAt = T0, s: Store = store) => s.appendInbound(urn, { id, text: `text ${id}`, createdAt });
    const outbound = (urn: string, id: string, createdAt = T0, payload: Record<string, unknown> = {}, s: Store = store) =>
      s.appendOutbound(urn, { id, text: `text ${id}`, payload, createdAt });
    const seqs = (messages: StoredMessage[]) => messages.map((m) => m.seq);
    const claimedSeqs = (entries: OutboxEntry[]) => entries.map((e) => `${e.urn}#${e.seq}`).sort();

    describe('readiness', () => {
      it('ping answers on an open store, empty or not, and writes nothing', async () => {
        await store.ping();
        await create('ext:a');
        await store.ping();
        assert.equal((await store.storeOverview()).sessions, 1);
      });
    });

    describe('settings', () => {
      it('getOrSetSetting keeps the first value stored for a key', async () => {
        assert.equal(await store.getOrSetSetting('secret', 'first'), 'first');
        assert.equal(await store.getOrSetSetting('secret', 'second'), 'first');
        assert.equal(await store.getOrSetSetting('other', 'x'), 'x');
        assert.equal(await store.getOrSetSetting('secret', 'third'), 'first');
      });
    });

    describe('sessions', () => {
      it('createSession stores the record; getSession returns it, hostApi null or set', async () => {
        const a = sessionRecord('ext:a', { channelUuid: 'c-a', hostApi: null, createdAt: T0 + 1 });
        const b = sessionRecord('ext:b', { channelUuid: 'c-b', hostApi: 'https://rp.example/c/ex', createdAt: T0 + 2 });
        assert.deepEqual(await store.createSession(a), { created: true, session: a });
        assert.deepEqual(await store.createSession(b), { created: true, session: b });
        assert.deepEqual(await store.getSession('ext:a'), a);
        assert.deepEqual(await store.getSession('ext:b'), b);
      });

      it('createSession is idempotent: second call returns created=false and the original record', async () => {
        const original = sessionRecord('ext:a', { channelUuid: 'c-1', hostApi: 'https://one', createdAt: T0 });
        await store.createSession(original);
        const again = await store.createSession(sessionRecord('ext:a', { channelUuid: 'c-2', hostApi: null, createdAt: T0 + 99 }));
        assert.deepEqual(again, { created: false, session: original });
        assert.deepEqual(await store.getSession('ext:a'), original);
        // The second call must not reset the session's state either.
        await inbound('ext:a', 'm1');
        await create('ext:a');
        assert.equal((await inbound('ext:a', 'm2')).seq, 2);
      });

      it('getSession of an unknown urn is null', async () => {
        assert.equal(await store.getSession('ext:nope'), null);
      });
    });

    describe('messages', () => {
      it('numbers messages per session, one sequence shared by both directions', async () => {
        await create('ext:a');
        await create('ext:b');
        const m1 = await inbound('ext:a', 'in-1', T0 + 1);
        const m2 = await outbound('ext:a', 'out-1', T0 + 2, { to: 'ext:a' });
        const b1 = await outbound('ext:b', 'out-b1', T0 + 3);
        const m3 = await inbound('ext:a', 'in-2', T0 + 4);
        const b2 = await inbound('ext:b', 'in-b1', T0 + 5);
        assert.deepEqual(m1, { urn: 'ext:a', seq: 1, direction: 'in', id: 'in-1', text: 'text in-1', payload: {}, createdAt: T0 + 1 });
        assert.deepEqual(m2, {
          message: { urn: 'ext:a', seq: 2, direction: 'out', id: 'out-1', text: 'text out-1', payload: { to: 'ext:a' }, createdAt: T0 + 2 },
          duplicate: false,
        });
        assert.equal(m3.seq, 3);
        assert.equal(b1.message.seq, 1);
        assert.equal(b2.seq, 2);
        assert.deepEqual(await store.readMessages('ext:a', { limit: 10 }), [m1, m2.message, m3]);
      });

      it('appendInbound / appendOutbound on an unknown session reject with UnknownSessionError', async () => {
        const isUnknown = (err: unknown) => err instanceof UnknownSessionError && err.urn === 'ext:ghost';
        await assert.rejects(inbound('ext:ghost', 'm1'), isUnknown);
        await assert.rejects(outbound('ext:ghost', 'o1'), isUnknown);
        assert.equal(await store.getSession('ext:ghost'), null);
        assert.deepEqual(await store.readMessages('ext:ghost', { limit: 10 }), []);
        assert.deepEqual(await store.outboxStats(), { pending: 0, failed: 0 });
      });

      it('dedupes outbound messages by platform id and text within a session', async () => {
        await create('ext:a');
        await create('ext:b');
        const first = await outbound('ext:a', 'plat-1', T0 + 1, { quick_replies: ['yes'] });
        await inbound('ext:a', 'in-1', T0 + 2);
        const dup = await store.appendOutbound('ext:a', { id: 'plat-1', text: 'text plat-1', payload: { other: true }, createdAt: T0 + 3 });
        assert.equal(dup.duplicate, true);
        assert.deepEqual(dup.message, first.message); // the stored one, not the new payload
        assert.equal((await store.readMessages('ext:a', { limit: 10 })).length, 2);
        // The duplicate did not use up a seq.
        assert.equal((await outbound('ext:a', 'plat-2', T0 + 4)).message.seq, 3);
        // Same platform id in another session is a different message.
        const other = await outbound('ext:b', 'plat-1', T0 + 5);
        assert.deepEqual([other.duplicate, other.message.seq], [false, 1]);
        // Inbound ids are the gateway's own namespace: they do not dedupe platform ids.
        const sameAsInbound = await outbound('ext:a', 'in-1', T0 + 6);
        assert.deepEqual([sameAsInbound.duplicate, sameAsInbound.message.seq], [false, 4]);
      });

      it('a repeated platform id with a different text is a further part, with its own id and part number', async () => {
        await create('ext:a');
        // Courier's External sender posts a long text as several parts, all with the same id.
        const p1 = await store.appendOutbound('ext:a', {
          id: '42',
          text: 'first part',
          payload: { id: '42', text: 'first part', quick_replies: [] },
          createdAt: T0,
        });
        await inbound('ext:a', 'in-1', T0 + 1);
        const p2 = await store.appendOutbound('ext:a', {
          id: '42',
          text: 'second part',
          payload: { id: '42', text: 'second part', quick_replies: [] },
          createdAt: T0 + 2,
        });
        const p3 = await store.appendOutbound('ext:a', {
          id: '42',
          text: 'last part',
          payload: { id: '42', text: 'last part', quick_replies: ['Yes', 'No'] },
          createdAt: T0 + 3,
        });
        assert.deepEqual([p1.duplicate, p2.duplicate, p3.duplicate], [false, false, false]);
        assert.deepEqual(p1.message, {
          urn: 'ext:a',
          seq: 1,
          direction: 'out',
          id: '42',
          text: 'first part',
          payload: { id: '42', text: 'first part', quick_replies: [] },
          createdAt: T0,
        });
        assert.deepEqual(p2.message, {
          urn: 'ext:a',
          seq: 3,
          direction: 'out',
          id: '42.2',
          platformId: '42',
          part: 2,
          text: 'second part',
          payload: { id: '42.2', part: 2, text: 'second part', quick_replies: [] },
          createdAt: T0 + 2,
        });
        assert.deepEqual([p3.message.id, p3.message.platformId, p3.message.part, p3.message.seq], ['42.3', '42', 3, 4]);
        assert.deepEqual(p3.message.payload, { id: '42.3', part: 3, text: 'last part', quick_replies: ['Yes', 'No'] });
        // Stored in order, read back as written.
        const out = await store.readMessages('ext:a', { direction: 'out', limit: 10 });
        assert.deepEqual(out, [p1.message, p2.message, p3.message]);
        // A platform retry of any part (same id, same text) is a duplicate of that part.
        const again2 = await store.appendOutbound('ext:a', { id: '42', text: 'second part', payload: { id: '42' }, createdAt: T0 + 4 });
        assert.equal(again2.duplicate, true);
        assert.deepEqual(again2.message, p2.message);
        const again1 = await store.appendOutbound('ext:a', { id: '42', text: 'first part', payload: { id: '42' }, createdAt: T0 + 5 });
        assert.deepEqual([again1.duplicate, again1.message.seq], [true, 1]);
        assert.equal((await store.readMessages('ext:a', { limit: 10 })).length, 4);
        // A platform message whose own id looks like a derived one is still its own message.
        const look = await outbound('ext:a', '42.2', T0 + 6);
        assert.deepEqual([look.duplicate, look.message.id, look.message.part], [false, '42.2', undefined]);
      });

      it('part numbers keep rising after earlier parts were pruned', async () => {
        await create('ext:a');
        await store.appendOutbound('ext:a', { id: '7', text: 'one', payload: {}, createdAt: T0 });
        await store.appendOutbound('ext:a', { id: '7', text: 'two', payload: {}, createdAt: T0 + 10_000 });
        assert.equal(await store.prune({ now: T0 + 10_000, maxAge: 5_000, maxMessagesPerSession: 100 }), 1);
        const three = await store.appendOutbound('ext:a', { id: '7', text: 'three', payload: {}, createdAt: T0 + 10_001 });
        assert.deepEqual([three.duplicate, three.message.id, three.message.part], [false, '7.3', 3]);
        assert.equal((await store.appendOutbound('ext:a', { id: '7', text: 'two', payload: {}, createdAt: T0 + 10_002 })).duplicate, true);
      });

      it('keeps text and payload exactly (nested, arrays, empty arrays, unicode, numbers)', async () => {
        await create('ext:a');
        const payload = {
          id: 'p-1',
          to: 'ext:a',
          quick_replies: [],
          attachments: ['image/png:https://x/y.png'],
          metadata: { nested: { list: [1, 2.5, -3, 1_700_000_000_123], flag: false, nothing: null, empty: {} } },
          emoji: 'héllo 👋 "quoted" \\ back',
        };
        const text = 'multi\nline ✓ "json-ish" {"seq":99}';
        const { message } = await store.appendOutbound('ext:a', { id: 'p-1', text, payload, createdAt: T0 });
        const expected = structuredClone(payload);
        payload.metadata.nested.list.push(4); // mutating the caller's object must not leak in
        assert.deepEqual(message.payload, expected);
        const [read] = await store.readMessages('ext:a', { limit: 1 });
        assert.equal(read!.text, text);
        assert.deepEqual(read!.payload, expected);
        (read!.payload as { id: string }).id = 'mutated';
        assert.deepEqual((await store.readMessages('ext:a', { limit: 1 }))[0]!.payload, expected);
        const empty = await inbound('ext:a', '');
        assert.equal(empty.id, '');
      });

      it('readMessages honours afterSeq, beforeSeq, direction, limit and newestFirst', async () => {
        await create('ext:a');
        // seq 1..10; odd seqs "in", even seqs "out"
        for (let i = 1; i <= 10; i++) {
          if (i % 2) await inbound('ext:a', `m${i}`, T0 + i);
          else await outbound('ext:a', `m${i}`, T0 + i);
        }
        const read = async (o: Parameters<Store['readMessages']>[1]) => seqs(await store.readMessages('ext:a', o));
        assert.deepEqual(await read({ limit: 100 }), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert.deepEqual(await read({ limit: 3 }), [1, 2, 3]);
        assert.deepEqual(await read({ afterSeq: 7, limit: 100 }), [8, 9, 10]);
        assert.deepEqual(await read({ afterSeq: 2, limit: 3 }), [3, 4, 5]);
        assert.deepEqual(await read({ beforeSeq: 4, limit: 100 }), [1, 2, 3]);
        assert.deepEqual(await read({ afterSeq: 3, beforeSeq: 7, limit: 100 }), [4, 5, 6]);
        assert.deepEqual(await read({ afterSeq: 5, beforeSeq: 6, limit: 100 }), []);
        assert.deepEqual(await read({ afterSeq: 10, limit: 100 }), []);
        assert.deepEqual(await read({ direction: 'out', limit: 100 }), [2, 4, 6, 8, 10]);
        assert.deepEqual(await read({ direction: 'in', afterSeq: 2, limit: 2 }), [3, 5]);
        assert.deepEqual(await read({ newestFirst: true, limit: 3 }), [10, 9, 8]);
        assert.deepEqual(await read({ newestFirst: true, beforeSeq: 8, limit: 3 }), [7, 6, 5]);
        assert.deepEqual(await read({ newestFirst: true, afterSeq: 6, limit: 100 }), [10, 9, 8, 7]);
        assert.deepEqual(await read({ newestFirst: true, direction: 'in', beforeSeq: 9, limit: 2 }), [7, 5]);
        assert.deepEqual(await read({ limit: 0 }), []);
        assert.deepEqual(await store.readMessages('ext:unknown', { limit: 10 }), []);
      });

      it('the direction filter finds sparse matches among many messages, within limit', async () => {
        await create('ext:a');
        // 450 messages, "out" only at seq 50, 100, ..., 450: backends reading in pages must go on.
        for (let i = 1; i <= 450; i++) {
          if (i % 50 === 0) await outbound('ext:a', `o${i}`, T0 + i);
          else await inbound('ext:a', `i${i}`, T0 + i);
        }
        const out = (o: Partial<Parameters<Store['readMessages']>[1]>) => store.readMessages('ext:a', { limit: 100, direction: 'out', ...o });
        assert.deepEqual(seqs(await out({})), [50, 100, 150, 200, 250, 300, 350, 400, 450]);
        assert.deepEqual(seqs(await out({ limit: 4 })), [50, 100, 150, 200]);
        assert.deepEqual(seqs(await out({ limit: 2, newestFirst: true })), [450, 400]);
        assert.deepEqual(seqs(await out({ newestFirst: true })), [450, 400, 350, 300, 250, 200, 150, 100, 50]);
        assert.deepEqual(seqs(await out({ afterSeq: 120, beforeSeq: 400, limit: 100 })), [150, 200, 250, 300, 350]);
        assert.deepEqual(seqs(await out({ newestFirst: true, beforeSeq: 300, limit: 3 })), [250, 200, 150]);
      });
    });

    describe('deliveredSeq', () => {
      it('starts at 0 and only moves up', async () => {
        await create('ext:a');
        await create('ext:b');
        assert.equal(await store.getDeliveredSeq('ext:a'), 0);
        assert.equal(await store.advanceDeliveredSeq('ext:a', 5), 5);
        assert.equal(await store.advanceDeliveredSeq('ext:a', 3), 5);
        assert.equal(await store.getDeliveredSeq('ext:a'), 5);
        assert.equal(await store.advanceDeliveredSeq('ext:a', 5), 5);
        assert.equal(await store.advanceDeliveredSeq('ext:a', 7), 7);
        assert.equal(await store.getDeliveredSeq('ext:a'), 7);
        assert.equal(await store.getDeliveredSeq('ext:b'), 0);
        assert.equal(await store.getDeliveredSeq('ext:unknown'), 0);
        assert.equal(await store.advanceDeliveredSeq('ext:unknown', 4), 0);
        assert.equal(await store.getDeliveredSeq('ext:unknown'), 0);
        assert.equal(await store.getSession('ext:unknown'), null);
      });
    });

    describe('outbox', () => {
      it('appendInbound queues an outbox entry due at once; outbound messages do not', async () => {
        await create('ext:a');
        assert.equal(await store.nextOutboxDue(), null);
        await outbound('ext:a', 'o1', T0);
        assert.deepEqual(await store.outboxStats(), { pending: 0, failed: 0 });
        assert.equal(await store.nextOutboxDue(), null);
        const m = await store.appendInbound('ext:a', { id: 'in-1', text: 'hello', createdAt: T0 + 10 });
        assert.deepEqual(await store.outboxStats(), { pending: 1, failed: 0 });
        assert.equal(await store.nextOutboxDue(), T0 + 10);
        const claimed = await store.claimOutbox(T0 + 10, 10, LEASE);
        assert.equal(claimed.length, 1);
        const { ref, ...rest } = claimed[0]!;
        assert.equal(typeof ref, 'string');
        assert.deepEqual(rest, { urn: 'ext:a', seq: m.seq, messageId: 'in-1', text: 'hello', createdAt: T0 + 10, attempts: 0 });
      });

      it('keeps per-session order: the next entry waits until the head is completed', async () => {
        await create('ext:a');
        await inbound('ext:a', 'm1', T0);
        await inbound('ext:a', 'm2', T0 + 1);
        await inbound('ext:a', 'm3', T0 + 2);
        const [first, ...none] = await store.claimOutbox(T0 + 10, 10, LEASE);
        assert.equal(first!.seq, 1);
        assert.deepEqual(none, []);
        // Still leased: nothing else of the session is claimable.
        assert.deepEqual(await store.claimOutbox(T0 + 20, 10, LEASE), []);
        // Lease ran out without completion: the head comes again, never the second entry.
        const again = await store.claimOutbox(T0 + 10 + LEASE, 10, LEASE);
        assert.deepEqual(
          again.map((e) => e.seq),
          [1],
        );
        await store.completeOutbox(again[0]!);
        assert.deepEqual(await store.outboxStats(), { pending: 2, failed: 0 });
        const second = await store.claimOutbox(T0 + 10 + LEASE, 10, LEASE);
        assert.deepEqual(
          second.map((e) => [e.seq, e.messageId]),
          [[2, 'm2']],
        );
        await store.completeOutbox(second[0]!);
        const third = await store.claimOutbox(T0 + 10 + LEASE, 10, LEASE);
        assert.deepEqual(
          third.map((e) => e.seq),
          [3],
        );
        await store.completeOutbox(third[0]!);
        assert.deepEqual(await store.claimOutbox(T0 + 10 * LEASE, 10, LEASE), []);
        assert.deepEqual(await store.outboxStats(), { pending: 0, failed: 0 });
        assert.equal(await store.nextOutboxDue(), null);
      });

      it('a lease excludes other claims until it expires, then the entry is taken over', async () => {
        await create('ext:a');
        await inbound('ext:a', 'm1', T0);
        const [leased] = await store.claimOutbox(T0, 10, LEASE);
        assert.ok(leased);
        assert.equal(await store.nextOutboxDue(), T0 + LEASE);
        assert.deepEqual(await store.claimOutbox(T0, 10, LEASE), []);
        assert.deepEqual(await store.claimOutbox(T0 + LEASE - 1, 10, LEASE), []);
        // The claiming process "crashed": at lease end another claim gets the same entry.
        const [takeover] = await store.claimOutbox(T0 + LEASE, 10, LEASE);
        assert.deepEqual(takeover, leased);
        // ... under a new lease.
        assert.deepEqual(await store.claimOutbox(T0 + LEASE + 1, 10, LEASE), []);
        assert.equal(await store.nextOutboxDue(), T0 + 2 * LEASE);
        assert.deepEqual(await store.outboxStats(), { pending: 1, failed: 0 });
      });

      it('retryOutbox releases the lease, reschedules and counts the attempt', async () => {
        await create('ext:a');
        await inbound('ext:a', 'm1', T0);
        await inbound('ext:a', 'm2', T0 + 1);
        const [e] = await store.claimOutbox(T0, 10, LEASE);
        await store.retryOutbox(e!, T0 + 5_000, 'HTTP 503');
        assert.equal(await store.nextOutboxDue(), T0 + 5_000);
        assert.deepEqual(await store.claimOutbox(T0 + 4_999, 10, LEASE), []);
        const [r1] = await store.claimOutbox(T0 + 5_000, 10, LEASE);
        assert.deepEqual([r1!.ref, r1!.seq, r1!.attempts], [e!.ref, 1, 1]);
        // Rescheduling earlier than the lease end: the released lease does not hold it back.
        await store.retryOutbox(r1!, T0 + 5_010, 'timeout');
        const [r2] = await store.claimOutbox(T0 + 5_010, 10, LEASE);
        assert.deepEqual([r2!.seq, r2!.attempts], [1, 2]);
        assert.deepEqual(await store.outboxStats(), { pending: 2, failed: 0 });
        await store.completeOutbox(r2!);
        const [next] = await store.claimOutbox(T0 + 5_010, 10, LEASE);
        assert.deepEqual([next!.seq, next!.attempts], [2, 0]);
      });

      it('failOutbox gives up on the entry, unblocks the next one and counts it as failed', async () => {
        await create('ext:a');
        await inbound('ext:a', 'm1', T0);
        await inbound('ext:a', 'm2', T0 + 1);
        const [e] = await store.claimOutbox(T0, 10, LEASE);
        await store.failOutbox(e!, 'HTTP 400');
        assert.deepEqual(await store.outboxStats(), { pending: 1, failed: 1 });
        // The next entry is claimable right away, not only after the failed one's lease.
        const next = await store.claimOutbox(T0 + 1, 10, LEASE);
        assert.deepEqual(
          next.map((x) => x.seq),
          [2],
        );
        await store.completeOutbox(next[0]!);
        // The failed entry never comes back.
        assert.deepEqual(await store.claimOutbox(T0 + 100 * LEASE, 10, LEASE), []);
        assert.equal(await store.nextOutboxDue(), null);
        assert.deepEqual(await store.outboxStats(), { pending: 0, failed: 1 });
        // The message itself stays.
        assert.deepEqual(seqs(await store.readMessages('ext:a', { limit: 10 })), [1, 2]);
      });

      it('completing or failing an entry twice is harmless', async () => {
        await create('ext:a');
        await inbound('ext:a', 'm1', T0);
        await inbound('ext:a', 'm2', T0 + 1);
        const [e1] = await store.claimOutbox(T0, 10, LEASE);
        await store.completeOutbox(e1!);
        await store.completeOutbox(e1!);
        await store.failOutbox(e1!, 'late');
        await store.retryOutbox(e1!, T0, 'late');
        assert.deepEqual(await store.outboxStats(), { pending: 1, failed: 0 });
        const [e2] = await store.claimOutbox(T0 + 1, 10, LEASE);
        assert.equal(e2!.seq, 2);
        await store.failOutbox(e2!, 'bad');
        await store.failOutbox(e2!, 'bad again');
        await store.retryOutbox(e2!, T0, 'late');
        assert.deepEqual(await store.outboxStats(), { pending: 0, failed: 1 });
      });

      it('claims at most `limit` entries, each session at most once, until all are taken', async () => {
        for (let i = 0; i < 5; i++) {
          await create(`ext:s${i}`);
          await inbound(`ext:s${i}`, `m${i}-1`, T0 + i);
          await inbound(`ext:s${i}`, `m${i}-2`, T0 + 100 + i);
        }
        const a = await store.claimOutbox(T0 + 1_000, 3, LEASE);
        assert.equal(a.length, 3);
        const b = await store.claimOutbox(T0 + 1_000, 3, LEASE);
        assert.equal(b.length, 2);
        assert.deepEqual(await store.claimOutbox(T0 + 1_000, 3, LEASE), []);
        const all = [...a, ...b];
        assert.deepEqual(new Set(all.map((e) => e.urn)).size, 5);
        assert.ok(all.every((e) => e.seq === 1));
        assert.deepEqual(await store.claimOutbox(T0 + 1_000, 0, LEASE), []);
      });

      it('claims many sessions in one call, earliest due first', async () => {
        // Created in reverse time order so that insertion order and due order differ.
        for (let i = 0; i < 20; i++) {
          await create(`ext:s${i}`);
          await inbound(`ext:s${i}`, `m${i}`, T0 + 1_000 - i * 10);
        }
        const first = await store.claimOutbox(T0 + 1_000, 5, LEASE);
        assert.deepEqual(
          first.map((e) => e.urn),
          ['ext:s19', 'ext:s18', 'ext:s17', 'ext:s16', 'ext:s15'],
        );
        const rest = await store.claimOutbox(T0 + 1_000, 100, LEASE);
        assert.equal(rest.length, 15);
        assert.equal(new Set([...first, ...rest].map((e) => e.urn)).size, 20);
        // Only entries already due are claimed.
        await create('ext:late');
        await inbound('ext:late', 'late', T0 + 2_000);
        assert.deepEqual(await store.claimOutbox(T0 + 1_999, 100, LEASE), []);
        assert.deepEqual(claimedSeqs(await store.claimOutbox(T0 + 2_000, 100, LEASE)), ['ext:late#1']);
      });

      it('nextOutboxDue is the earliest time a session head can be claimed', async () => {
        assert.equal(await store.nextOutboxDue(), null);
        await create('ext:a');
        await create('ext:b');
        await inbound('ext:a', 'a1', T0 + 50);
        await inbound('ext:b', 'b1', T0 + 20);
        assert.equal(await store.nextOutboxDue(), T0 + 20);
        // b's head is leased: it is due again at lease end, so a's entry is the earliest.
        const [b1] = await store.claimOutbox(T0 + 20, 1, LEASE);
        assert.equal(b1!.urn, 'ext:b');
        assert.equal(await store.nextOutboxDue(), T0 + 50);
        // A retried head counts at its new time; a later entry queued behind it does not count
        // (it cannot be claimed before the head).
        const [a1] = await store.claimOutbox(T0 + 50, 1, LEASE);
        await store.retryOutbox(a1!, T0 + 90_000, 'down');
        await inbound('ext:a', 'a2', T0 + 60);
        assert.equal(await store.nextOutboxDue(), T0 + 20 + LEASE);
        await store.completeOutbox(b1!);
        assert.equal(await store.nextOutboxDue(), T0 + 90_000);
        const [again] = await store.claimOutbox(T0 + 90_000, 10, LEASE);
        await store.completeOutbox(again!);
        assert.equal(await store.nextOutboxDue(), T0 + 60);
        const [a2] = await store.claimOutbox(T0 + 90_000, 10, LEASE);
        await store.failOutbox(a2!, 'no');
        assert.equal(await store.nextOutboxDue(), null);
      });
    });

    describe('takeExpiredUndelivered', () => {
      const taken = (messages: StoredMessage[]) => messages.map((m) => `${m.urn}#${m.seq}`).sort();

      it('returns only "out" messages created before cutoff with seq > deliveredSeq, whole', async () => {
        await create('ext:a');
        await create('ext:b');
        await outbound('ext:a', 'a1', T0, { deep: [1, { x: 'y' }] }); // 1: expired
        await inbound('ext:a', 'a2', T0); // 2: "in", never reported
        await outbound('ext:a', 'a3', T0 + 99); // 3: expired (cutoff is exclusive)
        await outbound('ext:a', 'a4', T0 + 100); // 4: at the cutoff, not expired yet
        await outbound('ext:b', 'b1', T0 + 50); // b1: expired
        const got = await store.takeExpiredUndelivered(T0 + 100, 10);
        assert.deepEqual(taken(got), ['ext:a#1', 'ext:a#3', 'ext:b#1']);
        const a1 = got.find((m) => m.urn === 'ext:a' && m.seq === 1);
        assert.deepEqual(a1, { urn: 'ext:a', seq: 1, direction: 'out', id: 'a1', text: 'text a1', payload: { deep: [1, { x: 'y' }] }, createdAt: T0 });
        // Later, a4 expires too; the others are not reported again.
        assert.deepEqual(taken(await store.takeExpiredUndelivered(T0 + 10_000, 10)), ['ext:a#4']);
      });

      it('never returns a message twice', async () => {
        await create('ext:a');
        await outbound('ext:a', 'p1', T0);
        await outbound('ext:a', 'p2', T0 + 1);
        assert.equal((await store.takeExpiredUndelivered(T0 + 10, 10)).length, 2);
        assert.deepEqual(await store.takeExpiredUndelivered(T0 + 10, 10), []);
        assert.deepEqual(await store.takeExpiredUndelivered(T0 + 1_000_000, 10), []);
        // Still readable and still deliverable: reporting does not touch the message.
        assert.deepEqual(seqs(await store.readMessages('ext:a', { limit: 10 })), [1, 2]);
      });

      it('respects limit, oldest first; the rest come on the next calls', async () => {
        await create('ext:a');
        await create('ext:b');
        for (let i = 0; i < 5; i++) {
          await outbound('ext:a', `a${i}`, T0 + 10 * i);
          await outbound('ext:b', `b${i}`, T0 + 10 * i + 5);
        }
        const first = await store.takeExpiredUndelivered(T0 + 1_000, 3);
        assert.deepEqual(
          first.map((m) => m.createdAt),
          [T0, T0 + 5, T0 + 10],
        );
        const second = await store.takeExpiredUndelivered(T0 + 1_000, 3);
        const third = await store.takeExpiredUndelivered(T0 + 1_000, 100);
        assert.deepEqual([second.length, third.length], [3, 4]);
        const all = [...first, ...second, ...third];
        assert.equal(new Set(taken(all)).size, 10);
        assert.deepEqual(await store.takeExpiredUndelivered(T0 + 1_000, 100), []);
        assert.deepEqual(await store.takeExpiredUndelivered(T0 + 1_000, 0), []);
      });

      it('ignores messages a widget proved delivered, and pruned or deleted ones', async () => {
        await create('ext:a');
        await create('ext:b');
        await create('ext:c');
        for (let i = 1; i <= 4; i++) await outbound('ext:a', `a${i}`, T0 + i);
        await store.advanceDeliveredSeq('ext:a', 2);
        await outbound('ext:b', 'b1', T0);
        await store.advanceDeliveredSeq('ext:b', 1);
        await outbound('ext:b', 'b2', T0 + 1);
        await outbound('ext:c', 'old', T0 - 10_000);
        await outbound('ext:c', 'c2', T0);
        await create('ext:d');
        await outbound('ext:d', 'd1', T0);
        await store.prune({ now: T0, maxAge: 5_000, maxMessagesPerSession: 100 }); // drops c#1
        await store.deleteSession('ext:d');
        assert.deepEqual(taken(await store.takeExpiredUndelivered(T0 + 100, 100)), ['ext:a#3', 'ext:a#4', 'ext:b#2', 'ext:c#2']);
        // Delivered after being reported: nothing changes, and nothing comes back.
        await store.advanceDeliveredSeq('ext:a', 4);
        assert.deepEqual(await store.takeExpiredUndelivered(T0 + 100, 100), []);
        // A new session under a deleted urn starts from scratch.
        await create('ext:d');
        await outbound('ext:d', 'd1', T0 + 50);
        assert.deepEqual(taken(await store.takeExpiredUndelivered(T0 + 100, 100)), ['ext:d#1']);
      });
    });

    describe('prune', () => {
      it('deletes messages older than maxAge (createdAt < now - maxAge) and returns the count', async () => {
        await create('ext:a');
        await create('ext:b');
        for (let i = 0; i < 5; i++) await outbound('ext:a', `a${i}`, T0 + i * 100); // 0, 100, ..., 400
        await outbound('ext:b', 'b0', T0 + 50);
        await outbound('ext:b', 'b1', T0 + 500);
        const removed = await store.prune({ now: T0 + 1_200, maxAge: 1_000, maxMessagesPerSession: 100 });
        assert.equal(removed, 3); // a@0, a@100, b@50; a@200 is exactly at the cutoff and stays
        assert.deepEqual(seqs(await store.readMessages('ext:a', { limit: 10 })), [3, 4, 5]);
        assert.deepEqual(seqs(await store.readMessages('ext:b', { limit: 10 })), [2]);
        // Seqs are never reused after pruning.
        assert.equal((await outbound('ext:a', 'a5', T0 + 1_300)).message.seq, 6);
        assert.equal(await store.prune({ now: T0 + 1_200, maxAge: 1_000, maxMessagesPerSession: 100 }), 0);
      });

      it('keeps only the newest maxMessagesPerSession messages of each session', async () => {
        await create('ext:a');
        await create('ext:b');
        for (let i = 1; i <= 10; i++) await inbound('ext:a', `a${i}`, T0 + i);
        for (let i = 1; i <= 2; i++) await outbound('ext:b', `b${i}`, T0 + 100 + i);
        assert.equal(await store.prune({ now: T0 + 100, maxAge: 1_000_000, maxMessagesPerSession: 3 }), 7);
        assert.deepEqual(seqs(await store.readMessages('ext:a', { limit: 100 })), [8, 9, 10]);
        assert.deepEqual(seqs(await store.readMessages('ext:b', { limit: 100 })), [1, 2]);
        // Both limits at once: a loses seq 8 by age and 9 by count, b loses seq 1 by count.
        assert.equal(await store.prune({ now: T0 + 1_009, maxAge: 1_000, maxMessagesPerSession: 1 }), 3);
        assert.deepEqual(seqs(await store.readMessages('ext:a', { limit: 100 })), [10]);
        assert.deepEqual(seqs(await store.readMessages('ext:b', { limit: 100 })), [2]);
      });

      it('leaves sessions, deliveredSeq and pending outbox entries alone', async () => {
        await create('ext:a');
        await inbound('ext:a', 'm1', T0);
        await store.advanceDeliveredSeq('ext:a', 1);
        assert.equal(await store.prune({ now: T0 + 10_000, maxAge: 1, maxMessagesPerSession: 0 }), 1);
        assert.deepEqual(await store.readMessages('ext:a', { limit: 10 }), []);
        assert.ok(await store.getSession('ext:a'));
        assert.equal(await store.getDeliveredSeq('ext:a'), 1);
        // The user message must still be forwarded even though its history entry is gone.
        assert.deepEqual(claimedSeqs(await store.claimOutbox(T0 + 10_000, 10, LEASE)), ['ext:a#1']);
        assert.equal((await inbound('ext:a', 'm2', T0 + 10_000)).seq, 2);
      });

      it('forgets the dedupe id of a pruned outbound message', async () => {
        await create('ext:a');
        await outbound('ext:a', 'p1', T0);
        await outbound('ext:a', 'p2', T0 + 10_000);
        assert.equal(await store.prune({ now: T0 + 10_000, maxAge: 5_000, maxMessagesPerSession: 100 }), 1);
        const again = await outbound('ext:a', 'p1', T0 + 10_001);
        assert.deepEqual([again.duplicate, again.message.seq], [false, 3]);
        assert.equal((await outbound('ext:a', 'p2', T0 + 10_002)).duplicate, true);
      });

      it('drops failed outbox entries older than maxAge', async () => {
        await create('ext:a');
        await inbound('ext:a', 'old', T0);
        await inbound('ext:a', 'new', T0 + 10_000);
        const [old] = await store.claimOutbox(T0 + 10_000, 1, LEASE);
        await store.failOutbox(old!, 'x');
        const [recent] = await store.claimOutbox(T0 + 10_000, 1, LEASE);
        await store.failOutbox(recent!, 'y');
        assert.deepEqual(await store.outboxStats(), { pending: 0, failed: 2 });
        await store.prune({ now: T0 + 10_000, maxAge: 5_000, maxMessagesPerSession: 100 });
        assert.deepEqual(await store.outboxStats(), { pending: 0, failed: 1 });
      });
    });

    describe('deleteSession', () => {
      it('removes the session with its messages, dedupe ids, deliveredSeq and pending outbox', async () => {
        await create('ext:a');
        await create('ext:b');
        await inbound('ext:a', 'a1', T0);
        await inbound('ext:a', 'a2', T0 + 1);
        await outbound('ext:a', 'pa', T0 + 2);
        await store.advanceDeliveredSeq('ext:a', 3);
        await inbound('ext:b', 'b1', T0 + 3);
        await store.claimOutbox(T0 + 5, 10, LEASE); // a's head is leased while it is deleted

        assert.equal(await store.deleteSession('ext:a'), true);
        assert.equal(await store.deleteSession('ext:a'), false);
        assert.equal(await store.getSession('ext:a'), null);
        assert.deepEqual(await store.readMessages('ext:a', { limit: 10 }), []);
        assert.equal(await store.getDeliveredSeq('ext:a'), 0);
        assert.deepEqual(await store.outboxStats(), { pending: 1, failed: 0 });
        await assert.rejects(inbound('ext:a', 'a3', T0 + 6), UnknownSessionError);
        // b is untouched; a's entries are never claimed again.
        assert.equal(await store.nextOutboxDue(), T0 + 5 + LEASE);
        const bEntries = await store.claimOutbox(T0 + 5 + LEASE, 10, LEASE);
        assert.deepEqual(claimedSeqs(bEntries), ['ext:b#1']);
        await store.completeOutbox(bEntries[0]!);
        assert.equal((await store.readMessages('ext:b', { limit: 10 })).length, 1);

        // A new session with the same urn starts from scratch.
        assert.equal((await create('ext:a', { channelUuid: 'new' })).created, true);
        assert.equal((await store.getSession('ext:a'))!.channelUuid, 'new');
        assert.equal((await outbound('ext:a', 'pa', T0 + 7)).duplicate, false);
        assert.equal((await store.readMessages('ext:a', { limit: 10 }))[0]!.seq, 1);
        assert.equal(await store.getDeliveredSeq('ext:a'), 0);
        assert.deepEqual(await store.claimOutbox(T0 + 10 * LEASE, 10, LEASE), []);
        assert.equal(await store.deleteSession('ext:never'), false);
      });

      it("also removes the session's failed outbox entries", async () => {
        await create('ext:a');
        await inbound('ext:a', 'a1', T0);
        const [e] = await store.claimOutbox(T0, 1, LEASE);
        await store.failOutbox(e!, 'x');
        assert.deepEqual(await store.outboxStats(), { pending: 0, failed: 1 });
        await store.deleteSession('ext:a');
        assert.deepEqual(await store.outboxStats(), { pending: 0, failed: 0 });
      });
    });

    describe('two instances over the same backend', () => {
      let opened: Store[] = [];
      // Returns null (and marks the test skipped) for backends that cannot be shared (memory).
      const second = async (t: TestContext): Promise<Store | null> => {
        if (!fx.reopen) {
          t.skip('backend cannot be opened twice');
          return null;
        }
        const s = await fx.reopen();
        opened.push(s);
        return s;
      };
      afterEach(async () => {
        for (const s of opened) await s.close();
        opened = [];
      });

      it("see each other's sessions, messages, settings and deliveredSeq", async (t) => {
        const other = await second(t);
        if (!other) return;
        assert.equal(await store.getOrSetSetting('k', 'one'), 'one');
        assert.equal(await other.getOrSetSetting('k', 'two'), 'one');
        await create('ext:a', { hostApi: 'https://h' });
        assert.deepEqual(await other.getSession('ext:a'), sessionRecord('ext:a', { hostApi: 'https://h' }));
        assert.equal((await other.createSession(sessionRecord('ext:a'))).created, false);
        await inbound('ext:a', 'm1', T0, other);
        await outbound('ext:a', 'p1', T0 + 1, { x: 1 });
        assert.equal((await outbound('ext:a', 'p1', T0 + 2, {}, other)).duplicate, true);
        assert.deepEqual(await other.readMessages('ext:a', { limit: 10 }), await store.readMessages('ext:a', { limit: 10 }));
        await other.advanceDeliveredSeq('ext:a', 2);
        assert.equal(await store.advanceDeliveredSeq('ext:a', 1), 2);
        assert.equal(await other.deleteSession('ext:a'), true);
        assert.equal(await store.getSession('ext:a'), null);
      });

      it('share the seq counter and dedupe under concurrent appends', async (t) => {
        const other = await second(t);
        if (!other) return;
        await create('ext:a');
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => inbound('ext:a', `m${i}`, T0 + i, i % 2 ? other : store)));
        assert.deepEqual(
          results.map((m) => m.seq).sort((x, y) => x - y),
          Array.from({ length: 20 }, (_, i) => i + 1),
        );
        const outs = await Promise.all([outbound('ext:a', 'same', T0 + 30), outbound('ext:a', 'same', T0 + 31, {}, other)]);
        assert.deepEqual(outs.map((o) => o.duplicate).sort(), [false, true]);
        assert.equal(outs[0].message.seq, outs[1].message.seq);
        // Parts posted through two instances at once get distinct part numbers.
        const parts = await Promise.all(
          ['p1', 'p2', 'p3', 'p4'].map((text, i) => (i % 2 ? other : store).appendOutbound('ext:a', { id: 'long', text, payload: {}, createdAt: T0 + 40 + i })),
        );
        assert.deepEqual(parts.map((p) => p.message.id).sort(), ['long', 'long.2', 'long.3', 'long.4']);
        const created = await Promise.all([create('ext:race'), other.createSession(sessionRecord('ext:race'))]);
        assert.deepEqual(created.map((c) => c.created).sort(), [false, true]);
      });

      it("never both lease the same outbox entry; one takes over the other's expired lease", async (t) => {
        const other = await second(t);
        if (!other) return;
        for (let i = 0; i < 12; i++) {
          await create(`ext:s${i}`);
          await inbound(`ext:s${i}`, `m${i}-1`, T0 + i, i % 2 ? store : other);
          await inbound(`ext:s${i}`, `m${i}-2`, T0 + 100 + i);
        }
        const claims = await Promise.all([
          store.claimOutbox(T0 + 1_000, 4, LEASE),
          other.claimOutbox(T0 + 1_000, 4, LEASE),
          store.claimOutbox(T0 + 1_000, 4, LEASE),
          other.claimOutbox(T0 + 1_000, 4, LEASE),
        ]);
        const all = claims.flat();
        assert.equal(all.length, 12);
        assert.equal(new Set(all.map((e) => e.ref)).size, 12);
        assert.equal(new Set(all.map((e) => e.urn)).size, 12);
        assert.ok(all.every((e) => e.seq === 1));
        assert.deepEqual(await other.claimOutbox(T0 + 1_000 + LEASE - 1, 100, LEASE), []);
        // `store` completes what it claimed; `other`'s claims are abandoned (crash) and `store`
        // takes them over after the lease.
        const mine = [claims[0], claims[2]].flat();
        for (const e of mine) await store.completeOutbox(e);
        const next = await other.claimOutbox(T0 + 2_000, 100, LEASE); // leased past the takeover below
        assert.deepEqual(claimedSeqs(next), mine.map((e) => `${e.urn}#2`).sort());
        const takeover = await store.claimOutbox(T0 + 1_000 + LEASE, 100, LEASE);
        assert.deepEqual(
          claimedSeqs(takeover),
          [claims[1], claims[3]]
            .flat()
            .map((e) => `${e.urn}#1`)
            .sort(),
        );
        assert.deepEqual(await other.outboxStats(), { pending: 24 - mine.length, failed: 0 });
      });

      it('never both report the same expired message', async (t) => {
        const other = await second(t);
        if (!other) return;
        const expected: string[] = [];
        for (let i = 0; i < 6; i++) {
          await create(`ext:s${i}`);
          for (let j = 0; j < 4; j++) {
            const { message } = await outbound(`ext:s${i}`, `p${i}-${j}`, T0 + j, {}, j % 2 ? store : other);
            expected.push(`${message.urn}#${message.seq}`);
          }
        }
        await store.advanceDeliveredSeq('ext:s0', 2);
        expected.splice(0, 2);
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? store : other).takeExpiredUndelivered(T0 + 100, 3)));
        const all = results.flat().map((m) => `${m.urn}#${m.seq}`);
        assert.equal(all.length, expected.length);
        assert.deepEqual(all.sort(), expected.sort());
        assert.deepEqual(await store.takeExpiredUndelivered(T0 + 100, 100), []);
        assert.deepEqual(await other.takeExpiredUndelivered(T0 + 100, 100), []);
      });
    });

    runAdminContract(() => store);
  });
}
