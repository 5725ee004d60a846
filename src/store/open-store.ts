import { MemoryStore } from './memory-store.js';
import { isRedisUrl } from './redis-url.js';
import { SqliteStore, type SqliteSynchronous } from './sqlite-store.js';
import type { Store } from './store.js';
import type { AdminStore } from './admin-store.js';
import type { MediaStore, WithMedia } from './media-role.js';
import { MemoryMediaStore } from './memory/media.js';
import { SqliteMediaStore } from './sqlite/media.js';

export interface OpenStoreOptions {
  sqliteSynchronous?: SqliteSynchronous;
  redisPrefix?: string;
  /** Redis: replicas that must hold each acknowledged write (WAIT); 0 = do not wait. */
  redisMinReplicasAck?: number;
  redisReplicaAckTimeout?: number;
}

/** Chooses the backend from STORE_URL. The rest of the gateway only sees `Store`. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store & AdminStore & WithMedia> {
  let store: Store & AdminStore;
  let media: MediaStore;
  if (url === 'memory:') {
    store = new MemoryStore();
    media = new MemoryMediaStore();
  } else if (url.startsWith('sqlite:')) {
    store = new SqliteStore(url.slice('sqlite:'.length), options.sqliteSynchronous);
    media = new SqliteMediaStore(url.slice('sqlite:'.length), options.sqliteSynchronous);
  } else if (isRedisUrl(url)) {
    const { RedisStore } = await import('./redis-store.js');
    const { RedisMediaStore } = await import('./redis/media.js');
    media = new RedisMediaStore(url, options.redisPrefix);
    const redis = new RedisStore(url, { prefix: options.redisPrefix });
    store = redis;
    const replicas = options.redisMinReplicasAck ?? 0;
    if (replicas > 0) {
      const { ReplicaAck, withReplicaAck } = await import('./replica-ack.js');
      const writer = new RedisStore(url, { prefix: options.redisPrefix });
      store = withReplicaAck(redis, writer, new ReplicaAck((n, t) => writer.waitForReplicas(n, t), replicas, options.redisReplicaAckTimeout ?? 1_000));
    }
  } else {
    throw new Error(`unsupported STORE_URL ${url}`);
  }
  await store.init();
  try {
    await media.init();
  } catch (err) {
    await store.close().catch(() => {});
    await media.close().catch(() => {});
    throw err;
  }
  // The media role rides on the opened store (a property, so the replica-ack proxy passes it on).
  Object.defineProperty(store, 'media', { value: media, enumerable: false });
  return store as Store & AdminStore & WithMedia;
}
