// PerKeyQueue: what keeps a session's budget check and write together. Same key: one at a time,
// in call order, an error passed to its caller only; other keys: not held up; nothing kept after.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PerKeyQueue } from '../../src/core/per-key.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('PerKeyQueue', () => {
  it('runs calls with the same key one at a time, in call order', async () => {
    const q = new PerKeyQueue();
    const log: string[] = [];
    const first = deferred();
    const a = q.run('s1', async () => {
      log.push('a start');
      await first.promise;
      log.push('a end');
      return 'a';
    });
    const b = q.run('s1', async () => {
      log.push('b start');
      return 'b';
    });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(log, ['a start'], 'b waits while a runs');
    first.resolve();
    assert.deepEqual(await Promise.all([a, b]), ['a', 'b']);
    assert.deepEqual(log, ['a start', 'a end', 'b start']);
  });

  it('does not hold up another key', async () => {
    const q = new PerKeyQueue();
    const held = deferred();
    const slow = q.run('s1', () => held.promise);
    assert.equal(await q.run('s2', async () => 'other'), 'other');
    held.resolve();
    await slow;
  });

  it('gives a failure to its own caller and still runs the next call', async () => {
    const q = new PerKeyQueue();
    const failing = q.run('s1', async () => {
      throw new Error('budget read failed');
    });
    const next = q.run('s1', async () => 'ran');
    await assert.rejects(failing, /budget read failed/);
    assert.equal(await next, 'ran');
  });

  it('keeps no key once its calls have settled', async () => {
    const q = new PerKeyQueue();
    await Promise.all([q.run('s1', async () => 1), q.run('s1', async () => 2), q.run('s2', async () => 3)]);
    await new Promise((r) => setImmediate(r));
    assert.equal(q.size, 0);
  });
});
