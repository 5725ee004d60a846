// The WWC translators on their own: courier bodies in, widget frames and history items out,
// client frames validated.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeWwcBody, isWwcBody } from '../../src/platform/normalize-wwc.js';
import { historyItem, messageFrame } from '../../src/protocol/wwc/frames.js';
import { FrameError, parseHistoryParams, parseMessage, parseRegister } from '../../src/protocol/wwc/validate.js';
import type { StoredMessage } from '../../src/store/store.js';

const CH = '8eb23e93-5ecb-45ba-b726-3b064e0c568c';
const out = (payload: Record<string, unknown>, text = 'hi'): StoredMessage => ({
  urn: 'v@x',
  seq: 3,
  direction: 'out',
  id: 'm1',
  text,
  payload,
  createdAt: 1_700_000_000_250,
});

describe('WWC translation', () => {
  it("tells courier's WWC bodies from External ones", () => {
    assert.equal(isWwcBody({ type: 'message', to: 'a', message: { type: 'text', text: 'x' } }), true);
    assert.equal(isWwcBody({ type: 'typing_start', to: 'a' }), true);
    assert.equal(isWwcBody({ to: 'a', text: 'x' }), false);
    assert.equal(isWwcBody({ type: 'warning', to: 'a', text: 'x' }), false);
  });

  it("takes the Idempotency-Key as the message id, strips ext:, keeps courier's message object", () => {
    const r = normalizeWwcBody(
      {
        type: 'message',
        to: 'ext:v@x',
        from: 'Bot',
        channel_uuid: CH,
        message: { type: 'image', media_url: 'https://m/a.png', caption: 'c', quick_replies: ['A'] },
      },
      'key-1',
      () => 'gen',
    );
    assert.equal(r.kind, 'message');
    if (r.kind !== 'message') return;
    assert.equal(r.message.id, 'key-1');
    assert.equal(r.message.to, 'v@x');
    assert.equal(r.message.text, 'c', 'a caption stands for the text');
    assert.equal(r.message.channel, CH);
    assert.deepEqual(r.message.quick_replies, ['A']);
    const g = normalizeWwcBody({ type: 'message', to: 'v', message: { type: 'text', text: 't' } }, undefined, () => 'gen');
    assert.equal(g.kind === 'message' ? g.message.id : '', 'gen', 'no key: a generated id');
    assert.throws(() => normalizeWwcBody({ type: 'message', to: '', message: {} }, undefined, () => 'g'), /"to"/);
    assert.throws(() => normalizeWwcBody({ type: 'message', to: 'v', message: { type: 'text', quick_replies: [1] } }, undefined, () => 'g'), /quick_replies/);
  });

  it('frames a stored External message as a WWC text message with a seconds timestamp', () => {
    const f = JSON.parse(messageFrame(out({ id: 'm1', to: 'v@x', text: 'hi', from: 'bot', quick_replies: ['Y'] }), CH));
    assert.deepEqual(f, {
      type: 'message',
      id: 'm1',
      to: 'v@x',
      from: 'bot',
      channel_uuid: CH,
      message: { type: 'text', text: 'hi', quick_replies: ['Y'], timestamp: '1700000000' },
    });
  });

  it("frames an External message's first file (courier's URL lines, given as attachments) as a WWC file message, the rest as its caption", () => {
    const text = 'Your order\nhttps://files.test/a.png\nhttps://files.test/b.pdf';
    const attachments = [
      { type: 'image', url: 'https://files.test/a.png' },
      { type: 'file', url: 'https://files.test/b.pdf' },
    ];
    const f = JSON.parse(messageFrame(out({ id: 'm2', to: 'v@x', text, attachments }, text), CH));
    assert.deepEqual(f.message, {
      type: 'image',
      media_url: 'https://files.test/a.png',
      media: 'https://files.test/a.png',
      text: 'Your order\nhttps://files.test/b.pdf',
      caption: 'Your order\nhttps://files.test/b.pdf',
      timestamp: '1700000000',
    });
    assert.deepEqual(historyItem(out({ attachments }, text), CH)!.message['media_url'], 'https://files.test/a.png');
    // A platform's own WWC message wins; attachments of an unknown type leave the text as it is.
    assert.equal(JSON.parse(messageFrame(out({ attachments: [{ type: 'sticker', url: 'https://x.test/s.webp' }] }, 'a'), CH)).message.type, 'text');
  });

  it('writes history with fractional seconds, WWC directions, and text in place of types push-webchat cannot render', () => {
    const h = historyItem(out({ message: { type: 'interactive', interactive: {} } }, 'pick one'), CH)!;
    assert.equal(h.timestamp, 1_700_000_000.25);
    assert.equal(h.direction, 'in');
    assert.deepEqual(h.message['type'], 'text');
    assert.equal(h.message['text'], 'pick one');
    assert.equal(historyItem(out({ message: { type: 'location' } }, ''), CH), null);
    const mine = historyItem({ ...out({}), direction: 'in', text: 'q' }, CH)!;
    assert.equal(mine.direction, 'out');
    assert.equal(mine.contact_urn, 'ext:v@x');
  });

  it('parses a file message as a file and refuses location and order with a clear error', () => {
    const file = parseMessage({ type: 'message', message: { type: 'image', media: 'data:image/png;base64,AA==', client_id: 'c-1' } });
    assert.deepEqual(file, { kind: 'image', media: 'data:image/png;base64,AA==', caption: undefined, clientMessageId: 'c-1' });
    for (const type of ['location', 'order'])
      assert.throws(() => parseMessage({ type: 'message', message: { type } }), {
        message: `invalid payload: ${type} messages are not supported by this gateway yet; send text`,
      });
    assert.throws(() => parseMessage({ type: 'message', message: { type: 'sticker' } }), /invalid message type/);
  });

  it('validates register and get_history frames', () => {
    const r = parseRegister({ type: 'register', from: '12@shop.test', callback: `https://flows.test/prefix/c/wwc/${CH.toUpperCase()}/receive` });
    assert.equal(r.channelUuid, CH);
    assert.throws(() => parseRegister({ type: 'register', from: 'a b', callback: `https://f/c/wwc/${CH}/receive` }), FrameError);
    assert.throws(() => parseRegister({ type: 'register', from: 'a', callback: 'ftp://f/c/wwc/x/receive' }), /callback must be/);
    assert.deepEqual(parseHistoryParams({ type: 'get_history', params: { limit: '5', page: 2 } }), { limit: 5, page: 2 });
    assert.deepEqual(parseHistoryParams({ type: 'get_history' }), { limit: 20, page: 1 });
    assert.throws(() => parseHistoryParams({ type: 'get_history', params: { limit: 0 } }), /limit/);
  });
});
