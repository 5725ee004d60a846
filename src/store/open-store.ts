import { MemoryStore } from './memory-store.js';
import { SqliteStore, type SqliteSynchronous } from './sqlite-store.js';
import type { Store } from './store.js';
import type { AdminStore } from './admin-store.js';

export interface OpenStoreOptions {
  sqliteSynchronous?: SqliteSynchronous;
  redisPrefix?: string;
}

/** Chooses the backend from STORE_URL. The rest of the gateway only sees `Store`. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store & AdminStore> {
  let store: Store & AdminStore;
  if (url === 'memory:') {
    store = new MemoryStore();
  } else if (url.startsWith('sqlite:')) {
    store = new SqliteStore(url.slice('sqlite:'.length), options.sqliteSynchronous);
  } else if (/^rediss?:\/\//.test(url)) {
    const { RedisStore } = await import('./redis-store.js');
    store = new RedisStore(url, { prefix: options.redisPrefix });
  } else {
    throw new Error(`unsupported STORE_URL ${url}`);
  }
  await store.init();
  return store;
}
