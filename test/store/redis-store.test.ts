import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/store/redis/store.js';
import { openStore } from '../../src/store/open-store.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { runClientIdContract } from './client-ids-contract.js';
import { runStoreContract } from './store-contract.js';

// One private redis-server for this file; every test gets its own key prefix.
let server: RedisServer;
before(async () => {
  server = await startRedisServer();
});
after(async () => {
  await server?.stop();
});
let n = 0;

const openRedis = async () => {
  const prefix = `t${++n}:`;
  const open = async () => {
    const s = new RedisStore(server.url, { prefix });
    await s.init();
    return s;
  };
  const store = await open();
  return { store, cleanup: () => store.close(), reopen: open };
};
runStoreContract('redis', openRedis);
runClientIdContract('redis', openRedis);

const T0 = 1_700_000_000_000;

describe('redis store specifics', () => {
  let admin: Redis;
  before(() => {
    admin = new Redis(server.url);
  });
  after(async () => {
    await admin.quit();
  });
  // Stores a test opened; closed even when an assertion fails, or ioredis would keep
  // reconnecting to a stopped server and the test process would never exit.
  let opened: { close(): Promise<unknown> }[] = [];
  const track = <T extends { close(): Promise<unknown> }>(s: T): T => {
    opened.push(s);
    return s;
  };
  const closeOpened = async () => {
    for (const s of opened) await s.close().catch(() => {});
    opened = [];
  };
  afterEach(closeOpened);
  const redisStore = async (url: string, prefix?: string) => {
    const s = track(new RedisStore(url, { prefix }));
    await s.init();
    return s;
  };
  const keysOf = async (db: Redis, pattern: string) => (await db.keys(pattern)).sort();

  it('puts every key under its prefix (default "wg:") and leaves nothing behind a finished session', async () => {
    const url = `${server.url}/3`; // a db of its own so KEYS * sees only this test
    const db3 = new Redis(url);
    try {
      const store = track(await openStore(url));
      await store.getOrSetSetting('secret', 's');
      await store.createSession({ urn: 'ext:a', channelUuid: 'c', hostApi: null, createdAt: T0 });
      await store.appendInbound('ext:a', { id: 'm1', text: 'hi', createdAt: T0 });
      await store.appendInbound('ext:a', { id: 'm2', text: 'again', createdAt: T0 });
      await store.appendOutbound('ext:a', { id: 'p1', text: 'yo', payload: {}, createdAt: T0 });
      await store.appendInboundOnce('ext:a', { id: 'm3', clientId: 'c-1', text: 'once', createdAt: T0 });
      const [e1] = await store.claimOutbox(T0, 10, 1000);
      await store.completeOutbox(e1!);
      const [e2] = await store.claimOutbox(T0, 10, 1000);
      await store.failOutbox(e2!, 'x');
      const all = await keysOf(db3, '*');
      assert.ok(all.length > 0 && all.every((k) => k.startsWith('wg:')), all.join(' '));
      assert.ok(all.includes('wg:cids:ext:a'), all.join(' '));

      await store.deleteSession('ext:a');
      // Only the settings and the global counters remain.
      assert.deepEqual(await keysOf(db3, '*'), ['wg:outbox:id', 'wg:outbox:pending', 'wg:setting:secret']);
      assert.equal(await db3.get('wg:outbox:pending'), '0');
    } finally {
      await db3.flushdb();
      await db3.quit();
    }
  });

  it("prune also drops the pruned messages' dedupe ids and age index entries", async () => {
    const store = await redisStore(server.url, 'prune-idx:');
    await store.createSession({ urn: 'ext:x', channelUuid: 'c', hostApi: null, createdAt: T0 });
    for (let i = 0; i < 6; i++) await store.appendOutbound('ext:x', { id: `p${i}`, text: 't', payload: {}, createdAt: T0 + i });
    assert.equal(await store.prune({ now: T0 + 100, maxAge: 1_000, maxMessagesPerSession: 2 }), 4);
    assert.deepEqual((await admin.hkeys('prune-idx:outids:ext:x')).sort(), ['p4', 'p5']);
    assert.deepEqual(await admin.zrange('prune-idx:msgtime:ext:x', 0, -1), ['5', '6']);
  });

  it("prune also drops the pruned messages' client message ids", async () => {
    const store = await redisStore(server.url, 'prune-cid:');
    await store.createSession({ urn: 'ext:x', channelUuid: 'c', hostApi: null, createdAt: T0 });
    for (let i = 0; i < 4; i++) await store.appendInboundOnce('ext:x', { id: `m${i}`, clientId: `c${i}`, text: 't', createdAt: T0 + i });
    assert.equal(await store.prune({ now: T0 + 100, maxAge: 1_000, maxMessagesPerSession: 1 }), 3);
    assert.deepEqual(await admin.hgetall('prune-cid:cids:ext:x'), { c3: '4' });
  });

  it('stores with different prefixes on one db do not see each other', async () => {
    const a = await redisStore(server.url, 'iso-a:');
    const b = await redisStore(server.url, 'iso-b:');
    await a.createSession({ urn: 'ext:x', channelUuid: 'c', hostApi: null, createdAt: T0 });
    await a.appendInbound('ext:x', { id: 'm', text: 't', createdAt: T0 });
    assert.equal(await b.getSession('ext:x'), null);
    assert.deepEqual(await b.claimOutbox(T0, 10, 1000), []);
    assert.deepEqual(await b.outboxStats(), { pending: 0, failed: 0 });
    assert.equal((await a.claimOutbox(T0, 10, 1000)).length, 1);
  });

  it('reloads its scripts after SCRIPT FLUSH (EVALSHA falls back to EVAL)', async () => {
    const store = await redisStore(server.url, 'flush:');
    await store.createSession({ urn: 'ext:x', channelUuid: 'c', hostApi: null, createdAt: T0 });
    await admin.script('FLUSH');
    assert.equal((await store.appendInbound('ext:x', { id: 'm', text: 't', createdAt: T0 })).seq, 1);
  });

  it('waits out a server pause instead of failing', async () => {
    const store = await redisStore(server.url, 'pause:');
    await store.createSession({ urn: 'ext:x', channelUuid: 'c', hostApi: null, createdAt: T0 });
    await server.pause(300);
    const started = Date.now();
    const m = await store.appendInbound('ext:x', { id: 'm', text: 't', createdAt: T0 });
    assert.equal(m.seq, 1);
    assert.ok(Date.now() - started >= 200, 'the command should have been held by CLIENT PAUSE');
  });

  it('keeps sessions, messages and outbox leases across a redis-server restart (appendonly)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-redis-aof-'));
    let aof = await startRedisServer({ appendonly: true, dir });
    try {
      const s1 = await redisStore(aof.url);
      await s1.createSession({ urn: 'ext:p', channelUuid: 'c', hostApi: 'https://h', createdAt: T0 });
      await s1.appendInbound('ext:p', { id: 'm1', text: 'one', createdAt: T0 });
      await s1.appendOutbound('ext:p', { id: 'p1', text: 'two', payload: { a: [1] }, createdAt: T0 + 1 });
      const [leased] = await s1.claimOutbox(T0, 10, 1000);
      await s1.close();
      await aof.stop(); // SIGTERM: redis flushes the AOF before exiting

      aof = await startRedisServer({ appendonly: true, dir, port: aof.port });
      const s2 = await redisStore(aof.url);
      assert.deepEqual(await s2.getSession('ext:p'), { urn: 'ext:p', channelUuid: 'c', hostApi: 'https://h', createdAt: T0 });
      assert.deepEqual(
        (await s2.readMessages('ext:p', { limit: 10 })).map((m) => [m.seq, m.text]),
        [
          [1, 'one'],
          [2, 'two'],
        ],
      );
      assert.equal((await s2.appendOutbound('ext:p', { id: 'p1', text: 'two', payload: {}, createdAt: T0 })).duplicate, true);
      assert.deepEqual(await s2.claimOutbox(T0 + 999, 10, 1000), []); // the lease survived too
      assert.deepEqual(await s2.claimOutbox(T0 + 1000, 10, 1000), [leased]);
    } finally {
      await closeOpened(); // before the server goes away
      await aof.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
