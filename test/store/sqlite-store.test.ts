import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
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
