import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { outboxStatements } from '../../src/store/sqlite/outbox.js';
import { queryPlans } from '../../src/store/sqlite/schema.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { runClientIdContract } from './client-ids-contract.js';
import { runStoreContract } from './store-contract.js';

// One temp dir per test file, one database file per test.
const dir = mkdtempSync(join(tmpdir(), 'wg-sqlite-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const openSqlite = async () => {
  const path = join(dir, `store-${++n}.db`);
  const open = async () => {
    const s = new SqliteStore(path);
    await s.init();
    return s;
  };
  const store = await open();
  return { store, cleanup: () => store.close(), reopen: open };
};
runStoreContract('sqlite', openSqlite);
runClientIdContract('sqlite', openSqlite);

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

/** A database file as earlier versions wrote it (old indexes, no expired_reported, no outbox head), plus `rows`. */
function writeEarlierFile(path: string, rows: string): void {
  const db = new Database(path);
  db.exec(`
    CREATE TABLE sessions (urn TEXT PRIMARY KEY, channel_uuid TEXT NOT NULL, host_api TEXT, created_at INTEGER NOT NULL,
      last_seq INTEGER NOT NULL DEFAULT 0, delivered_seq INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE messages (urn TEXT NOT NULL, seq INTEGER NOT NULL, direction TEXT NOT NULL, id TEXT NOT NULL, text TEXT NOT NULL,
      payload TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (urn, seq)) WITHOUT ROWID;
    CREATE UNIQUE INDEX messages_out_id ON messages (urn, id) WHERE direction = 'out';
    CREATE INDEX messages_created ON messages (created_at);
    CREATE TABLE outbox (id INTEGER PRIMARY KEY, urn TEXT NOT NULL, seq INTEGER NOT NULL, message_id TEXT NOT NULL, text TEXT NOT NULL,
      created_at INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,
      lease_until INTEGER NOT NULL DEFAULT 0, last_error TEXT);
    CREATE INDEX outbox_pending ON outbox (urn, id) WHERE state = 'pending';
    ${rows}
  `);
  db.close();
}

describe('sqlite store: files from earlier versions', () => {
  it('drops the per-message indexes earlier versions kept and still answers a repeated platform id with the stored copy', async () => {
    const path = join(dir, 'old-schema.db');
    writeEarlierFile(
      path,
      `
      INSERT INTO sessions (urn, channel_uuid, created_at) VALUES ('ext:old', '00000000-0000-4000-8000-000000000001', 1);
      INSERT INTO messages VALUES ('ext:old', 1, 'out', 'p1', 'hi', '{"text":"hi"}', 1);
    `,
    );
    const store = new SqliteStore(path);
    await store.init();
    try {
      const again = await store.appendOutbound('ext:old', { id: 'p1', text: 'hi', payload: { text: 'hi' }, createdAt: 2 });
      assert.deepEqual([again.duplicate, again.message.seq], [true, 1]);
      const next = await store.appendOutbound('ext:old', { id: 'p2', text: 'yo', payload: { text: 'yo' }, createdAt: 3 });
      assert.deepEqual([next.duplicate, next.message.seq], [false, 2]);
    } finally {
      await store.close();
    }
    const db = new Database(path, { readonly: true });
    const indexes = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL").all() as { name: string }[]
    )
      .map((r) => r.name)
      .sort();
    db.close();
    assert.deepEqual(indexes, ['messages_expiry', 'messages_out_by_id']);
  });
});

describe('sqlite store: outbox claims read only the due front', () => {
  it('finds due entries and the next wake-up through the index of session heads, not by grouping every pending entry', async () => {
    const path = join(dir, 'plan.db');
    const store = new SqliteStore(path);
    await store.init(); // creates the tables and indexes
    await store.close();
    const db = new Database(path);
    try {
      // The store's own statements, so a change to their SQL is what gets checked.
      const plans = queryPlans(db, outboxStatements(db));
      assert.match(plans['claimable']!, /USING INDEX outbox_due/);
      assert.match(plans['nextDue']!, /USING INDEX outbox_due/);
    } finally {
      db.close();
    }
  });

  it("opens an outbox written before heads were kept and sends each session's entries in order", async () => {
    const path = join(dir, 'old-outbox.db');
    writeEarlierFile(
      path,
      `
      INSERT INTO sessions (urn, channel_uuid, created_at) VALUES ('ext:a', 'c', 1), ('ext:b', 'c', 1);
      INSERT INTO outbox (urn, seq, message_id, text, created_at, state, next_at) VALUES
        ('ext:a', 1, 'a1', 'a one', 1, 'failed', 1),
        ('ext:a', 2, 'a2', 'a two', 1, 'pending', 1),
        ('ext:b', 1, 'b1', 'b one', 1, 'pending', 1),
        ('ext:a', 3, 'a3', 'a three', 1, 'pending', 1);
    `,
    );
    const store = new SqliteStore(path);
    await store.init();
    try {
      const rounds: string[][] = [];
      for (let round = 0; round < 3; round++) {
        const claimed = await store.claimOutbox(10, 10, 1000);
        rounds.push(claimed.map((e) => e.messageId).sort());
        for (const e of claimed) await store.completeOutbox(e);
      }
      // The failed a1 does not hold its session back; a3 waits for a2.
      assert.deepEqual(rounds, [['a2', 'b1'], ['a3'], []]);
      assert.deepEqual(await store.outboxStats(), { pending: 0, failed: 1 });
    } finally {
      await store.close();
    }
  });
});
