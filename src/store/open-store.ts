import { MemoryStore } from './memory/store.js';
import { MemoryMediaStore } from './memory/media.js';
import { isRedisUrl } from './redis/url.js';
import { SqliteStore, type SqliteSynchronous } from './sqlite/store.js';
import { SqliteMediaStore } from './sqlite/media.js';
import type { Store } from './store.js';
import type { AdminStore } from './admin-store.js';
import type { MediaStore, WithMedia } from './media-role.js';

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
  /** The store that owns the connection: the media role is attached to it (below the replica-ack proxy). */
  let base: Store & AdminStore;
  let openMedia: () => Promise<MediaStore>;
  if (url === 'memory:') {
    store = base = new MemoryStore();
    openMedia = async () => new MemoryMediaStore();
  } else if (url.startsWith('sqlite:')) {
    store = base = new SqliteStore(url.slice('sqlite:'.length), options.sqliteSynchronous);
    openMedia = async () => new SqliteMediaStore(url.slice('sqlite:'.length), options.sqliteSynchronous);
  } else if (isRedisUrl(url)) {
    // Loaded only for Redis: ioredis is a good part of the start-up time otherwise.
    const { RedisStore } = await import('./redis/store.js');
    const { RedisMediaStore } = await import('./redis/media.js');
    const redis = new RedisStore(url, { prefix: options.redisPrefix });
    store = base = redis;
    openMedia = async () => new RedisMediaStore(url, options.redisPrefix);
    const replicas = options.redisMinReplicasAck ?? 0;
    if (replicas > 0) {
      const { ACKED_MEDIA_WRITES, ReplicaAck, withReplicaAck } = await import('./redis/replica-ack.js');
      const timeout = options.redisReplicaAckTimeout ?? 1_000;
      const writer = new RedisStore(url, { prefix: options.redisPrefix });
      store = withReplicaAck(redis, writer, new ReplicaAck((n, t) => writer.waitForReplicas(n, t), replicas, timeout));
      // Files wait on a connection of their own too, so serving media never queues behind a WAIT.
      openMedia = async () => {
        const mediaWriter = new RedisMediaStore(url, options.redisPrefix);
        const ack = new ReplicaAck((n, t) => mediaWriter.waitForReplicas(n, t), replicas, timeout);
        return withReplicaAck(new RedisMediaStore(url, options.redisPrefix), mediaWriter, ack, ACKED_MEDIA_WRITES);
      };
    }
  } else {
    throw new Error(`unsupported STORE_URL ${url}`);
  }
  await store.init();
  // Opened once the store is: a store that cannot start reports its own error first.
  let media: MediaStore | undefined;
  try {
    media = await openMedia();
    await media.init();
  } catch (err) {
    await store.close().catch(() => {});
    await media?.close().catch(() => {});
    throw err;
  }
  attachMedia(base, media);
  return store as Store & AdminStore & WithMedia;
}

/** The media role rides on the store: `store.media`, closed by `store.close()`. */
function attachMedia(base: Store, media: MediaStore): void {
  const closeBase = base.close.bind(base);
  Object.defineProperty(base, 'media', { value: media, enumerable: false, configurable: true });
  Object.defineProperty(base, 'close', {
    value: async () => {
      try {
        await closeBase();
      } finally {
        await media.close();
      }
    },
    // Configurable and writable: the replica-ack proxy returns its own close for this property.
    enumerable: false,
    configurable: true,
    writable: true,
  });
}
