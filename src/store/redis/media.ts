// The media role in Redis: every gateway process on the same Redis serves every file.
//   <p>media:<id>            hash {meta: JSON record, bytes: the file}
//   <p>media:all             zset id -> createdAt (retention, usage)
//   <p>media:of:<urn>        zset "<id>:<size>" -> createdAt (MEDIA_BYTES_PER_HOUR)
//   <p>media:msg:<urn>       hash messageId -> id (history, outbox)
//   <p>media:usage           hash {items, bytes}
// Writes go in one MULTI, so a reader never sees a half-stored item.
import type { Redis } from 'ioredis';
import { closeRedis, createRedis } from './connection.js';
import type { MediaRecord, MediaStore, MediaUsage } from '../media-role.js';

const PRUNE_BATCH = 200;

export class RedisMediaStore implements MediaStore {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly p = 'wg:',
  ) {
    this.redis = createRedis(url);
    this.redis.on('error', () => {}); // reconnects by itself; failures surface on commands
  }

  private k(name: string): string {
    return this.p + name;
  }

  async init(): Promise<void> {
    if (this.redis.status === 'wait') await this.redis.connect();
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }

  /** WAIT: how many replicas hold this connection's writes (REDIS_MIN_REPLICAS_ACK). */
  async waitForReplicas(replicas: number, timeoutMs: number): Promise<number> {
    return Number(await this.redis.call('WAIT', replicas, timeoutMs));
  }

  async put(r: MediaRecord, bytes: Buffer): Promise<void> {
    const res = await this.redis
      .multi()
      .hset(this.k(`media:${r.id}`), 'meta', JSON.stringify(r), 'bytes', bytes)
      .zadd(this.k('media:all'), r.createdAt, r.id)
      .zadd(this.k(`media:of:${r.urn}`), r.createdAt, `${r.id}:${r.size}`)
      .hset(this.k(`media:msg:${r.urn}`), r.messageId, r.id)
      .hincrby(this.k('media:usage'), 'items', 1)
      .hincrby(this.k('media:usage'), 'bytes', r.size)
      .exec();
    for (const [err] of res ?? []) if (err) throw err;
  }

  async get(id: string): Promise<{ record: MediaRecord; bytes: Buffer } | null> {
    const [meta, bytes] = await this.redis.hmgetBuffer(this.k(`media:${id}`), 'meta', 'bytes');
    if (!meta || !bytes) return null;
    return { record: JSON.parse(meta.toString('utf8')) as MediaRecord, bytes };
  }

  async head(id: string): Promise<MediaRecord | null> {
    const meta = await this.redis.hget(this.k(`media:${id}`), 'meta');
    return meta ? (JSON.parse(meta) as MediaRecord) : null;
  }

  async forMessages(urn: string, messageIds: readonly string[]): Promise<Map<string, MediaRecord>> {
    const out = new Map<string, MediaRecord>();
    if (messageIds.length === 0) return out;
    const ids = await this.redis.hmget(this.k(`media:msg:${urn}`), ...messageIds);
    const found = ids.map((id, i) => [messageIds[i]!, id] as const).filter((e): e is readonly [string, string] => e[1] !== null);
    if (found.length === 0) return out;
    const pipe = this.redis.pipeline();
    for (const [, id] of found) pipe.hget(this.k(`media:${id}`), 'meta');
    const res = (await pipe.exec()) ?? [];
    found.forEach(([messageId], i) => {
      const [err, meta] = res[i] ?? [null, null];
      if (!err && typeof meta === 'string') out.set(messageId, JSON.parse(meta) as MediaRecord);
    });
    return out;
  }

  async bytesSince(urn: string, since: number): Promise<number> {
    const members = await this.redis.zrangebyscore(this.k(`media:of:${urn}`), since, '+inf');
    return members.reduce((n, m) => n + Number(m.slice(m.lastIndexOf(':') + 1)), 0);
  }

  async usage(): Promise<MediaUsage> {
    const [items, bytes] = await this.redis.hmget(this.k('media:usage'), 'items', 'bytes');
    return { items: Number(items ?? 0), bytes: Number(bytes ?? 0) };
  }

  async prune(cutoff: number): Promise<number> {
    let removed = 0;
    for (;;) {
      const ids = await this.redis.zrangebyscore(this.k('media:all'), '-inf', `(${cutoff}`, 'LIMIT', 0, PRUNE_BATCH);
      if (ids.length === 0) return removed;
      removed += await this.remove(ids);
    }
  }

  async delete(id: string): Promise<boolean> {
    return (await this.remove([id])) > 0;
  }

  async deleteSession(urn: string): Promise<number> {
    const members = await this.redis.zrange(this.k(`media:of:${urn}`), 0, -1);
    return this.remove(members.map((m) => m.slice(0, m.lastIndexOf(':'))));
  }

  private async remove(ids: readonly string[]): Promise<number> {
    let removed = 0;
    for (const id of ids) {
      const rec = await this.head(id);
      const tx = this.redis.multi().zrem(this.k('media:all'), id);
      if (rec) {
        tx.del(this.k(`media:${id}`))
          .zrem(this.k(`media:of:${rec.urn}`), `${id}:${rec.size}`)
          .hdel(this.k(`media:msg:${rec.urn}`), rec.messageId)
          .hincrby(this.k('media:usage'), 'items', -1)
          .hincrby(this.k('media:usage'), 'bytes', -rec.size);
        removed++;
      }
      await tx.exec();
    }
    return removed;
  }
}
