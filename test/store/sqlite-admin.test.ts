// The SQLite admin queries stay on their indexes: no full table scan and no sort of a whole
// table for any page, so /admin/ and /metrics cost the same on a store with millions of rows.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { adminStatements } from '../../src/store/sqlite/admin.js';
import { queryPlans } from '../../src/store/sqlite/schema.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { tempDir } from '../helpers/gateway.js';

/** Aggregates over all rows by nature (the overview's counts); they read a covering index. */
const COUNTS = new Set(['sessions', 'pending', 'failed']);

describe('sqlite admin queries', () => {
  it('read through indexes: no full table scan, no sort of a whole table', async () => {
    const path = join(tempDir('wg-sqlite-admin-'), 'a.db');
    const store = new SqliteStore(path);
    await store.init(); // creates the store's tables, then the admin indexes
    await store.close();
    const db = new Database(path);
    try {
      const plans = queryPlans(db, adminStatements(db));
      assert.ok(Object.keys(plans).length >= 15, Object.keys(plans).join());
      for (const [name, plan] of Object.entries(plans)) {
        assert.doesNotMatch(plan, /SCAN (sessions|outbox|messages)(?! USING)/, `${name}: ${plan}`);
        assert.doesNotMatch(plan, /TEMP B-TREE/, `${name}: ${plan}`);
        if (!COUNTS.has(name)) assert.doesNotMatch(plan, /COVERING INDEX sqlite_autoindex|SCAN sessions USING COVERING/, `${name}: ${plan}`);
      }
      assert.match(plans['newest']!, /INDEX sessions_by_created/);
      assert.match(plans['newestAfter']!, /INDEX sessions_by_created/);
      assert.match(plans['failedPageAfter']!, /INDEX outbox_failed/);
      assert.match(plans['sessionFailed']!, /INDEX outbox_failed_by_urn/);
    } finally {
      db.close();
    }
  });
});
