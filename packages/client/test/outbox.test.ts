import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newClientMessageId, Outbox } from '../src/outbox.js';
import { MemoryStorage } from '../src/storage.js';

describe('Outbox', () => {
  const entry = (id: string, t = 1) => ({ clientMessageId: id, text: `text ${id}`, createdAt: t });

  it('keeps entries in order until confirmed; a confirmed entry leaves, others stay', () => {
    const ob = new Outbox(new MemoryStorage(), 'k');
    ob.add(entry('a'));
    ob.add(entry('b'));
    ob.add(entry('c'));
    assert.deepEqual(
      ob.pending().map((e) => e.clientMessageId),
      ['a', 'b', 'c'],
    );
    assert.equal(ob.confirm('b'), true);
    assert.equal(ob.confirm('b'), false, 'confirming twice is harmless');
    assert.deepEqual(
      ob.pending().map((e) => e.clientMessageId),
      ['a', 'c'],
    );
  });

  it('survives a reload: a new Outbox over the same storage has the same entries', () => {
    const storage = new MemoryStorage();
    new Outbox(storage, 'k').add(entry('a'));
    new Outbox(storage, 'k').add(entry('b'));
    const reloaded = new Outbox(storage, 'k');
    assert.deepEqual(
      reloaded.pending().map((e) => [e.clientMessageId, e.text, e.state]),
      [
        ['a', 'text a', 'pending'],
        ['b', 'text b', 'pending'],
      ],
    );
  });

  it("two tabs over one storage never overwrite each other's entries", () => {
    const storage = new MemoryStorage();
    const tab1 = new Outbox(storage, 'k');
    const tab2 = new Outbox(storage, 'k');
    tab1.add(entry('1'));
    tab2.add(entry('2'));
    tab1.confirm('1');
    tab2.add(entry('3'));
    assert.deepEqual(
      tab1.pending().map((e) => e.clientMessageId),
      ['2', '3'],
    );
  });

  it('adding the same id twice keeps one entry', () => {
    const ob = new Outbox(new MemoryStorage(), 'k');
    ob.add(entry('a'));
    ob.add({ ...entry('a'), text: 'other' });
    assert.deepEqual(
      ob.entries().map((e) => e.text),
      ['text a'],
    );
  });

  it('a failed entry is not pending until retried; discard drops it', () => {
    const ob = new Outbox(new MemoryStorage(), 'k');
    ob.add(entry('a'));
    ob.add(entry('b'));
    ob.fail('a', 'WG_ERR_TEXT_TOO_LONG');
    assert.deepEqual(
      ob.pending().map((e) => e.clientMessageId),
      ['b'],
    );
    assert.equal(ob.entries()[0]!.error, 'WG_ERR_TEXT_TOO_LONG');
    assert.equal(ob.retry('a'), true);
    assert.equal(ob.retry('b'), false, 'only failed entries are retried');
    assert.deepEqual(
      ob.pending().map((e) => e.clientMessageId),
      ['a', 'b'],
    );
    assert.equal(ob.entries()[0]!.error, undefined);
    ob.discard('a');
    assert.deepEqual(
      ob.entries().map((e) => e.clientMessageId),
      ['b'],
    );
  });

  it('treats corrupt or foreign storage content as empty and recovers', () => {
    const storage = new MemoryStorage();
    storage.setItem('k', '{not json');
    const ob = new Outbox(storage, 'k');
    assert.deepEqual(ob.entries(), []);
    storage.setItem('k', JSON.stringify([{ clientMessageId: 'ok', text: 't', createdAt: 1, state: 'pending' }, { bogus: true }, 7]));
    assert.deepEqual(
      ob.entries().map((e) => e.clientMessageId),
      ['ok'],
    );
    ob.add(entry('b'));
    assert.deepEqual(
      ob.entries().map((e) => e.clientMessageId),
      ['ok', 'b'],
    );
  });

  it('keeps working in memory when storage refuses writes (quota, private mode)', () => {
    const full = {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {},
    };
    const ob = new Outbox(full, 'k');
    assert.doesNotThrow(() => ob.add(entry('a')));
  });
});

describe('newClientMessageId', () => {
  it("makes distinct ids within the gateway's charset and length, ordered by time prefix", () => {
    const ids = Array.from({ length: 1_000 }, (_, i) => newClientMessageId(1_700_000_000_000 + i));
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_.:-]{1,64}$/);
    assert.ok(ids[0]!.split('-')[0]! < ids[999]!.split('-')[0]!);
  });
});
