import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { runStoreContract } from './store-contract.js';

// One temp dir per test file, one database file per test.
const dir = mkdtempSync(join(tmpdir(), 'wg-sqlite-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runStoreContract('sqlite', async () => {
  const path = join(dir, `store-${++n}.db`);
  const open = async () => {
    const s = new SqliteStore(path);
    await s.init();
    return s;
  };
  const store = await open();
  return { store, cleanup: () => store.close(), reopen: open };
});

describe('sqlite store: WAL checkpoints off the event loop', () => {
  it('copies committed pages into the database file from the checkpointer worker, not the writer', async () => {
    const path = join(dir, 'checkpoint.db');
    const store = new SqliteStore(path);
    await store.init();
    try {
      const before = statSync(path).size;
      await store.createSession({ urn: 'ext:ck', channelUuid: '00000000-0000-4000-8000-000000000001', hostApi: null, createdAt: 1 });
      // A few hundred pages: far below the writer's fallback autocheckpoint (10,000 pages), so
      // only the worker can have moved them from the WAL into the main file.
      const text = 'x'.repeat(2_000);
      await Promise.all(Array.from({ length: 400 }, (_, i) => store.appendOutbound('ext:ck', { id: `m${i}`, text, payload: { text }, createdAt: 1 })));
      const deadline = Date.now() + 5_000;
      while (statSync(path).size <= before + 400 * 2_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(statSync(path).size > before + 400 * 2_000, `database file grew only from ${before} to ${statSync(path).size} bytes`);
      assert.equal(store.checkpointErrors, 0);
    } finally {
      await store.close();
    }
  });
});
