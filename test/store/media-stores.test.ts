// The media role's contract on all three backends: memory, a real SQLite file, a real Redis.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { MemoryMediaStore } from '../../src/store/memory/media.js';
import { RedisMediaStore } from '../../src/store/redis/media.js';
import { SqliteMediaStore } from '../../src/store/sqlite/media.js';
import { tempDir } from '../helpers/gateway.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { runMediaContract } from './media-contract.js';

runMediaContract('memory', async () => {
  const media = new MemoryMediaStore();
  await media.init();
  return { media, cleanup: () => media.close() };
});

runMediaContract('sqlite', async () => {
  const dir = tempDir('wg-media-');
  const path = join(dir, 'gateway.db');
  const open = async () => {
    const m = new SqliteMediaStore(path);
    await m.init();
    return m;
  };
  const media = await open();
  return {
    media,
    reopen: open,
    cleanup: async () => {
      await media.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

let server: RedisServer;
before(async () => {
  server = await startRedisServer();
});
after(async () => {
  await server?.stop();
});
let prefixes = 0;
runMediaContract('redis', async () => {
  const prefix = `media${++prefixes}:`;
  const open = async () => {
    const m = new RedisMediaStore(server.url, prefix);
    await m.init();
    return m;
  };
  const media = await open();
  return { media, reopen: open, cleanup: () => media.close() };
});
