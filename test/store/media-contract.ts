// The media role's contract (src/store/media-role.ts): every backend passes it. Times are
// passed explicitly; nothing sleeps.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { MediaRecord, MediaStore } from '../../src/store/media-role.js';
import { png, sha256 } from '../helpers/media-files.js';

export interface MediaFixture {
  media: MediaStore;
  cleanup: () => Promise<void>;
  /** Another instance over the same backend (a second process), when it can be shared. */
  reopen?: () => Promise<MediaStore>;
}

const T0 = 1_700_000_000_000;
let n = 0;

function record(urn: string, extra: Partial<MediaRecord> = {}): MediaRecord {
  n++;
  return {
    id: `m${n}xxxxxxxxxxxxxxxxxxxxxxx`.slice(0, 24),
    urn,
    messageId: `msg-${n}`,
    kind: 'image',
    contentType: 'image/png',
    filename: 'image.png',
    size: 0,
    createdAt: T0,
    ...extra,
  };
}

export function runMediaContract(name: string, make: () => Promise<MediaFixture>): void {
  describe(`${name} media store contract`, () => {
    let fx: MediaFixture;
    let media: MediaStore;
    beforeEach(async () => {
      fx = await make();
      media = fx.media;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    it('returns the stored bytes unchanged (hash) with their record, and null for an unknown id', async () => {
      const bytes = png(300, 200);
      const r = record('u1', { size: bytes.length, caption: 'broken lid' });
      await media.put(r, bytes);
      const got = await media.get(r.id);
      assert.ok(got);
      assert.equal(sha256(got.bytes), sha256(bytes));
      assert.deepEqual(got.record, r);
      assert.deepEqual(await media.head(r.id), r);
      assert.equal(await media.get('nope-nope-nope-nope-nope'), null);
      assert.equal(await media.head('nope-nope-nope-nope-nope'), null);
    });

    it('finds the media of messages by message id, only within the session', async () => {
      const a = record('u1', { size: 3 });
      const b = record('u1', { size: 4, kind: 'file', contentType: 'application/pdf', filename: 'file.pdf' });
      const other = record('u2', { size: 5 });
      for (const r of [a, b, other]) await media.put(r, Buffer.alloc(r.size, 1));
      const found = await media.forMessages('u1', [a.messageId, b.messageId, other.messageId, 'text-message']);
      assert.deepEqual([...found.keys()].sort(), [a.messageId, b.messageId].sort());
      assert.deepEqual(found.get(b.messageId), b);
      assert.equal((await media.forMessages('u1', [])).size, 0);
    });

    it('sums the bytes a session stored since a time (the hourly budget)', async () => {
      await media.put(record('u1', { size: 100, createdAt: T0 }), Buffer.alloc(100));
      await media.put(record('u1', { size: 200, createdAt: T0 + 10 }), Buffer.alloc(200));
      await media.put(record('u2', { size: 400, createdAt: T0 + 10 }), Buffer.alloc(400));
      assert.equal(await media.bytesSince('u1', T0), 300);
      assert.equal(await media.bytesSince('u1', T0 + 1), 200);
      assert.equal(await media.bytesSince('u3', T0), 0);
    });

    it('counts usage, prunes by age and deletes a session, updating usage', async () => {
      const old = record('u1', { size: 10, createdAt: T0 });
      const fresh = record('u1', { size: 20, createdAt: T0 + 1000 });
      const other = record('u2', { size: 40, createdAt: T0 + 1000 });
      for (const r of [old, fresh, other]) await media.put(r, Buffer.alloc(r.size));
      assert.deepEqual(await media.usage(), { items: 3, bytes: 70 });
      assert.equal(await media.prune(T0 + 1), 1);
      assert.equal(await media.get(old.id), null);
      assert.equal((await media.forMessages('u1', [old.messageId])).size, 0);
      assert.deepEqual(await media.usage(), { items: 2, bytes: 60 });
      assert.equal(await media.deleteSession('u2'), 1);
      assert.equal(await media.get(other.id), null);
      assert.deepEqual(await media.usage(), { items: 1, bytes: 20 });
      assert.ok(await media.get(fresh.id));
    });

    it('deletes one item by id, with its place in the indexes, budget and usage', async () => {
      const keep = record('u1', { size: 5 });
      const drop = record('u1', { size: 7 });
      await media.put(keep, Buffer.alloc(5));
      await media.put(drop, Buffer.alloc(7));
      assert.equal(await media.delete(drop.id), true);
      assert.equal(await media.delete(drop.id), false);
      assert.equal(await media.get(drop.id), null);
      assert.deepEqual([...(await media.forMessages('u1', [keep.messageId, drop.messageId])).keys()], [keep.messageId]);
      assert.equal(await media.bytesSince('u1', 0), 5);
      assert.deepEqual(await media.usage(), { items: 1, bytes: 5 });
    });

    it('serves what one instance stored from another instance over the same backend', async (t) => {
      if (!fx.reopen) return t.skip('this backend is not shared between processes');
      const bytes = png(10, 10);
      const r = record('u1', { size: bytes.length });
      await media.put(r, bytes);
      const second = await fx.reopen();
      try {
        const got = await second.get(r.id);
        assert.ok(got);
        assert.equal(sha256(got.bytes), sha256(bytes));
      } finally {
        await second.close();
      }
    });
  });
}
