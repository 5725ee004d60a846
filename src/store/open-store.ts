import { MemoryStore } from './memory/store.js';
import { isRedisUrl } from './redis/url.js';
import { SqliteStore, type SqliteSynchronous } from './sqlite/store.js';
import type { Store } from './store.js';
import type { AdminStore } from './admin-store.js';

export interface OpenStoreOptions {
  sqliteSynchronous?: SqliteSynchronous;
  redisPrefix?: string;
  /** Redis: replicas that must hold each acknowledged write (WAIT); 0 = do not wait. */
  redisMinReplicasAck?: number;
  redisReplicaAckTimeout?: number;
}

/** Chooses the backend from STORE_URL. The rest of the gateway only sees `Store`. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store & AdminStore> {
  let store: Store & AdminStore;
  if (url === 'memory:') {
    store = new MemoryStore();
  } else if (url.startsWith('sqlite:')) {
    store = new SqliteStore(url.slice('sqlite:'.length), options.sqliteSynchronous);
  } else if (isRedisUrl(url)) {
    // Loaded only for Redis: ioredis is a good part of the start-up time otherwise.
    const { RedisStore } = await import('./redis/store.js');
    const redis = new RedisStore(url, { prefix: options.redisPrefix });
    store = redis;
    const replicas = options.redisMinReplicasAck ?? 0;
    if (replicas > 0) {
      const { ReplicaAck, withReplicaAck } = await import('./redis/replica-ack.js');
      const writer = new RedisStore(url, { prefix: options.redisPrefix });
      store = withReplicaAck(redis, writer, new ReplicaAck((n, t) => writer.waitForReplicas(n, t), replicas, options.redisReplicaAckTimeout ?? 1_000));
    }
  } else {
    throw new Error(`unsupported STORE_URL ${url}`);
  }
  await store.init();
  return store;
}
