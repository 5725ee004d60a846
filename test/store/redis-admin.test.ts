// The Redis admin role on a store written before its session indexes existed: the first admin
// call builds them once, and from then on pages come from the indexes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/store/redis/store.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

describe('redis admin indexes', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedisServer();
  });
  after(async () => {
    await server.stop();
  });

  it('builds the session indexes of an older store on the first admin call, then lists and searches from them', async () => {
    const url = `${server.url}/5`;
    const store = new RedisStore(url, { prefix: 'old:' });
    const raw = new Redis(url);
    try {
      await store.init();
      for (let i = 0; i < 30; i++)
        await store.createSession({ urn: `ext:v${String(i).padStart(2, '0')}`, channelUuid: 'c', hostApi: null, createdAt: 1_000 + i });
      // As an earlier version left it: no admin indexes.
      await raw.del('old:sessions:bytime', 'old:sessions:lex');
      const fresh = new RedisStore(url, { prefix: 'old:' });
      await fresh.init();
      try {
        const page = await fresh.listSessions({ limit: 10 });
        assert.deepEqual(
          page.items.map((s) => s.urn),
          Array.from({ length: 10 }, (_, i) => `ext:v${29 - i}`),
        );
        assert.equal(await raw.zcard('old:sessions:bytime'), 30);
        assert.equal(await raw.zcard('old:sessions:lex'), 30);
        assert.deepEqual(
          (await fresh.listSessions({ prefix: 'ext:v2', limit: 100 })).items.map((s) => s.urn),
          Array.from({ length: 10 }, (_, i) => `ext:v2${i}`),
        );
      } finally {
        await fresh.close();
      }
    } finally {
      await raw.flushdb();
      await raw.quit();
      await store.close();
    }
  });
});
