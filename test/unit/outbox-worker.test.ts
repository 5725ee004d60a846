// The outbox claim loop (src/platform/outbox-worker.ts) with the in-memory store, a scripted
// platform and mock timers: claims, retries after a backoff, one message at a time per session
// (several sessions at once), and leases held by another worker.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { ForwardResult, PlatformRoute } from '../../src/platform/connector.js';
import { OutboxWorker } from '../../src/platform/outbox-worker.js';
import type { MemoryStore } from '../../src/store/memory/store.js';
import type { OutboxEntry } from '../../src/store/store.js';
import { fakeTime, quiet, settle, storeWithSession } from './fakes.js';

const RETRY_BASE = 1_000;
const LEASE = 15_000;

/** A platform whose answers the test gives, one call at a time. */
class ScriptedPlatform {
  readonly calls: Array<{ text: string; at: number; answer: (r: ForwardResult) => void }> = [];
  readonly route: PlatformRoute = {
    forward: (entry: OutboxEntry) => new Promise<ForwardResult>((answer) => this.calls.push({ text: entry.text, at: Date.now(), answer })),
    reportStatus: async () => ({ outcome: 'accepted' }),
  };
  texts(): string[] {
    return this.calls.map((c) => c.text);
  }
}

describe('outbox worker (unit)', () => {
  let store: MemoryStore;
  let platform: ScriptedPlatform;
  let worker: OutboxWorker;
  const send = (urn: string, text: string) => store.appendInbound(urn, { id: `m-${text}`, text, createdAt: Date.now() });

  beforeEach(async () => {
    fakeTime();
    store = await storeWithSession('alice');
    await store.createSession({ urn: 'bob', channelUuid: '00000000-0000-4000-8000-000000000001', hostApi: null, createdAt: 1 });
    platform = new ScriptedPlatform();
    worker = new OutboxWorker(
      store,
      () => platform.route,
      { retryBase: RETRY_BASE, retryMax: 60_000, maxAge: 3600_000, leaseMs: LEASE, concurrency: 4 },
      quiet,
    );
  });
  afterEach(async () => {
    for (const c of platform.calls) c.answer({ outcome: 'accepted' });
    const stopped = worker.stop();
    mock.timers.tick(10);
    await stopped;
    mock.timers.reset();
  });

  it('claims a stored message and completes it once the platform accepts it', async () => {
    await send('alice', 'hello');
    worker.start();
    await settle();
    assert.deepEqual(platform.texts(), ['hello']);
    platform.calls[0]!.answer({ outcome: 'accepted' });
    await settle();
    assert.deepEqual(await store.outboxStats(), { pending: 0, failed: 0 });
  });

  it('retries a message the platform could not take after a backoff between half and all of RETRY_BASE', async () => {
    await send('alice', 'hello');
    worker.start();
    await settle();
    platform.calls[0]!.answer({ outcome: 'retry', reason: 'HTTP 503' });
    await settle();
    mock.timers.tick(RETRY_BASE / 2 - 1);
    await settle();
    assert.equal(platform.calls.length, 1, 'not before half the base delay');
    for (let t = 0; t < RETRY_BASE / 2 + 1 && platform.calls.length < 2; t += 50) {
      mock.timers.tick(50);
      await settle();
    }
    assert.equal(platform.calls.length, 2, 'tried again within the base delay');
    const gap = platform.calls[1]!.at - platform.calls[0]!.at;
    assert.ok(gap >= RETRY_BASE / 2 && gap <= RETRY_BASE + 50, `gap ${gap} ms`);
  });

  it('forwards one message at a time per session, in order, while other sessions go ahead', async () => {
    await send('alice', 'a1');
    await send('alice', 'a2');
    await send('bob', 'b1');
    worker.start();
    await settle();
    assert.deepEqual(platform.texts().sort(), ['a1', 'b1'], "alice's second message waits for her first");
    platform.calls.find((c) => c.text === 'a1')!.answer({ outcome: 'accepted' });
    await settle();
    assert.deepEqual(platform.texts().slice(2), ['a2']);
  });

  it('leaves an entry leased by another worker alone until the lease runs out', async () => {
    await send('alice', 'hello');
    const taken = await store.claimOutbox(Date.now(), 10, LEASE); // a worker that then died
    assert.equal(taken.length, 1);
    worker.start();
    await settle();
    mock.timers.tick(LEASE - 1_000);
    await settle();
    assert.equal(platform.calls.length, 0);
    for (let t = 0; t < 2_000 && platform.calls.length === 0; t += 100) {
      mock.timers.tick(100);
      await settle();
    }
    assert.deepEqual(platform.texts(), ['hello']);
  });
});
