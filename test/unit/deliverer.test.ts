// The deliverer's receipt logic (src/delivery/deliverer.ts) with a fake connection, the in-memory
// store and mock timers: a message counts as delivered only once the pong of a ping sent after
// its frame comes back; what was not proven is sent again to the session's next connection.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Deliverer } from '../../src/delivery/deliverer.js';
import type { MemoryStore } from '../../src/store/memory/store.js';
import { fakeTime, FakeConnection, quiet, settle, storeWithSession } from './fakes.js';

const URN = 'visitor-1';
const RECEIPT_PING_DELAY = 1_000;

describe('deliverer receipts (unit)', () => {
  let store: MemoryStore;
  let deliverer: Deliverer;
  const connection = (id: string): FakeConnection => new FakeConnection(id, () => deliverer);
  const post = async (id: string): Promise<number> => {
    const { message } = await store.appendOutbound(URN, { id, text: id, payload: { id }, createdAt: Date.now() });
    deliverer.onMessage(message);
    return message.seq;
  };

  beforeEach(async () => {
    fakeTime();
    store = await storeWithSession(URN);
    deliverer = new Deliverer(store, quiet, { receiptPingDelay: RECEIPT_PING_DELAY });
  });
  afterEach(() => mock.timers.reset());

  it('records delivery only when the pong of the ping after the frame comes back', async () => {
    const a = connection('a');
    await deliverer.subscribe(a, URN);
    const seq = await post('p-1');
    assert.deepEqual(a.sent, [seq]);
    assert.equal(a.pings, 0, 'the ping follows the frames of this turn, not each frame');
    mock.timers.tick(0);
    assert.equal(a.pings, 1);
    await settle();
    assert.equal(await store.getDeliveredSeq(URN), 0, 'sent is not delivered');
    deliverer.onPong(a, 1);
    await settle();
    assert.equal(await store.getDeliveredSeq(URN), seq);
  });

  it('sends no second receipt ping within RECEIPT_PING_DELAY: frames in between wait for the next one', async () => {
    const a = connection('a');
    await deliverer.subscribe(a, URN);
    await post('p-1');
    mock.timers.tick(0);
    deliverer.onPong(a, 1);
    const second = await post('p-2');
    const third = await post('p-3');
    mock.timers.tick(RECEIPT_PING_DELAY - 1);
    assert.equal(a.pings, 1, 'no ping before the delay is over');
    mock.timers.tick(1);
    assert.equal(a.pings, 2, 'one ping for both frames');
    await settle();
    assert.equal(await store.getDeliveredSeq(URN), second - 1);
    deliverer.onPong(a, 2);
    await settle();
    assert.equal(await store.getDeliveredSeq(URN), third);
  });

  it('sends the unproven frames again to the next connection of the session, and only those', async () => {
    const a = connection('a');
    await deliverer.subscribe(a, URN);
    const first = await post('p-1');
    mock.timers.tick(0);
    deliverer.onPong(a, 1);
    await settle();
    const second = await post('p-2');
    const third = await post('p-3');
    assert.deepEqual(a.sent, [first, second, third]);
    deliverer.detach(a); // the socket died before the next ping
    const b = connection('b');
    await deliverer.subscribe(b, URN);
    await settle();
    assert.deepEqual(b.sent, [second, third]);
    assert.equal(deliverer.size, 1);
  });

  it('ignores a pong for a ping sent before the frames', async () => {
    const a = connection('a');
    await deliverer.subscribe(a, URN);
    a.ping(); // a keep-alive ping, before anything was sent
    await post('p-1');
    deliverer.onPong(a, 1);
    await settle();
    assert.equal(await store.getDeliveredSeq(URN), 0);
  });
});
