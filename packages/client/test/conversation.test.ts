import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Conversation } from '../src/conversation.js';

const out = (id: string, seq: number, extra: Record<string, unknown> = {}) => ({ id, seq, text: `bot ${id}`, ...extra });

describe('Conversation: merge by id and seq', () => {
  it('shows a platform message delivered twice (replay, history and live) once', () => {
    const c = new Conversation();
    assert.equal(c.mergeWire(out('p1', 1))!.added, true);
    assert.equal(c.mergeWire(out('p1', 1))!.added, false);
    assert.equal(c.mergeWire({ ...out('p1', 1), direction: 'out', createdAt: '2026-01-01T00:00:00.000Z' })!.added, false);
    assert.deepEqual(
      c.list().map((m) => m.key),
      ['o:p1'],
    );
    assert.equal(c.list()[0]!.time, Date.parse('2026-01-01T00:00:00.000Z'));
  });

  it('orders by seq whatever the arrival order, and remembers the highest seq', () => {
    const c = new Conversation();
    c.mergeWire(out('p3', 3));
    c.mergeWire(out('p1', 1));
    c.mergeWire({ id: 'in-2', seq: 2, direction: 'in', text: 'me' });
    assert.deepEqual(
      c.list().map((m) => m.seq),
      [1, 2, 3],
    );
    assert.equal(c.lastSeq, 3);
  });

  it('a typed message shows as sending at the end, then takes its place by seq when confirmed', () => {
    const c = new Conversation();
    c.mergeWire(out('p1', 1));
    const typed = c.addLocal({ clientMessageId: 'c1', text: 'hello', createdAt: 5 });
    assert.equal(typed.status, 'sending');
    c.mergeWire(out('p2', 3)); // arrives before the ack
    assert.deepEqual(
      c.list().map((m) => m.key),
      ['o:p1', 'o:p2', 'c:c1'],
    );
    c.confirm('c1', { id: 'in-x', seq: 2 });
    assert.deepEqual(
      c.list().map((m) => [m.key, m.status ?? '']),
      [
        ['o:p1', ''],
        ['c:c1', 'sent'],
        ['o:p2', ''],
      ],
    );
  });

  it('a history item with the client message id is the typed message, not a second one', () => {
    const c = new Conversation();
    c.addLocal({ clientMessageId: 'c1', text: 'hello', createdAt: 5 });
    const merged = c.mergeWire({ id: 'in-9', seq: 4, direction: 'in', text: 'hello', clientMessageId: 'c1', createdAt: '2026-01-01T00:00:00.000Z' })!;
    assert.equal(merged.added, false);
    assert.deepEqual(
      c.list().map((m) => [m.key, m.seq, m.status]),
      [['c:c1', 4, 'sent']],
    );
    // Restoring it from the outbox afterwards (a stale tab) does not bring "sending" back.
    assert.equal(c.addLocal({ clientMessageId: 'c1', text: 'hello', createdAt: 5 }).status, 'sent');
  });

  it('keeps quick replies with their message; visitor messages of other clients merge by gateway id', () => {
    const c = new Conversation();
    c.mergeWire(out('p1', 1, { quick_replies: ['Yes', 'No', 3] }));
    c.mergeWire({ id: 'in-1', seq: 2, direction: 'in', text: 'old widget' });
    c.mergeWire({ id: 'in-1', seq: 2, direction: 'in', text: 'old widget' });
    assert.deepEqual(c.list()[0]!.quickReplies, ['Yes', 'No']);
    assert.equal(c.size, 2);
  });

  it('messages typed within one millisecond stay in the order they were typed, also after a restore', () => {
    const c = new Conversation();
    for (const id of ['zz', 'aa', 'mm']) c.addLocal({ clientMessageId: id, text: id, createdAt: 7 });
    assert.deepEqual(
      c.list().map((m) => m.text),
      ['zz', 'aa', 'mm'],
    );
    const restored = new Conversation(JSON.parse(JSON.stringify(c.snapshot())));
    assert.deepEqual(
      restored.list().map((m) => m.text),
      ['zz', 'aa', 'mm'],
    );
  });

  it('ignores items without id or seq; failed status sticks until sent', () => {
    const c = new Conversation();
    assert.equal(c.mergeWire({ text: 'nothing to key on' }), null);
    c.addLocal({ clientMessageId: 'c1', text: 'x', createdAt: 1 });
    c.setStatus('c1', 'failed', 'WG_ERR_TEXT_TOO_LONG');
    assert.deepEqual([c.list()[0]!.status, c.list()[0]!.error], ['failed', 'WG_ERR_TEXT_TOO_LONG']);
    c.confirm('c1', { id: 'i', seq: 1 });
    c.setStatus('c1', 'failed');
    assert.equal(c.list()[0]!.status, 'sent');
  });

  it('a snapshot keeps the newest messages and every unconfirmed one, and restores the same', () => {
    const c = new Conversation([], 3);
    for (let i = 1; i <= 5; i++) c.mergeWire(out(`p${i}`, i));
    c.addLocal({ clientMessageId: 'c1', text: 'waiting', createdAt: 1 });
    const snap = c.snapshot();
    assert.deepEqual(
      snap.map((m) => m.key),
      ['o:p4', 'o:p5', 'c:c1'],
    );
    const restored = new Conversation(JSON.parse(JSON.stringify(snap)), 3);
    assert.deepEqual(restored.list(), snap);
    assert.equal(restored.lastSeq, 5);
  });
});
