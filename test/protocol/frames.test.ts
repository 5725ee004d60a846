import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bothSlotsReply, deliveryFrame, deliveryFramer, payloadJson } from '../../src/protocol/socketcluster/frames.js';
import type { StoredMessage } from '../../src/store/store.js';

const message = (seq: number, payload: Record<string, unknown>): StoredMessage => ({
  urn: 'ext:ab"c',
  seq,
  direction: 'out',
  id: `p${seq}`,
  text: String(payload['text'] ?? ''),
  payload,
  createdAt: 1,
});

describe('frames written to widgets', () => {
  it('gives widgets the platform fields with the gateway seq added last', () => {
    const payload = { id: 'p7', text: 'hi "you"', quick_replies: ['a', 'b'], metadata: { n: [1, 2] } };
    assert.equal(payloadJson(message(7, payload)), JSON.stringify({ ...payload, seq: 7 }));
    assert.deepEqual(JSON.parse(payloadJson(message(7, payload))), { ...payload, seq: 7 });
  });

  it('writes the seq of an empty payload, and replaces a seq the platform sent with its own', () => {
    assert.equal(payloadJson(message(3, {})), '{"seq":3}');
    assert.deepEqual(JSON.parse(payloadJson(message(4, { seq: 'theirs', text: 'x' }))), { seq: 4, text: 'x' });
  });

  it('batches #publish on the urn channel and receivedMessageFromChannel, in that order', () => {
    const m = message(9, { text: 'hello' });
    assert.deepEqual(JSON.parse(deliveryFrame(m)), [
      { event: '#publish', data: { channel: 'ext:ab"c', data: { text: 'hello', seq: 9 } } },
      { event: 'receivedMessageFromChannel', data: { text: 'hello', seq: 9 } },
    ]);
  });

  it('builds each message its own frame, also when messages alternate', () => {
    const a = message(1, { text: 'a' });
    const b = message(2, { text: 'b' });
    const frame = deliveryFramer(); // remembers the last frame
    const frames = [a, a, b, a, b].map((m) => JSON.parse(frame(m))[1].data.text);
    assert.deepEqual(frames, ['a', 'a', 'b', 'a', 'b']);
  });

  it('puts the same JSON string in both reply slots', () => {
    assert.deepEqual(JSON.parse(bothSlotsReply(5, '{"urn":"ext:x"}')), { rid: 5, error: '{"urn":"ext:x"}', data: '{"urn":"ext:x"}' });
  });
});
