// Redis connections, built in one place from the STORE_URL (see url.ts). Every client the
// gateway opens (store, fanout publisher and subscriber, per-address limits) behaves the same:
// - it fails fast while Redis is unreachable (2 retries, 2 s connect timeout), so a webhook gets
//   503 and a widget an error within seconds instead of requests queueing without bound;
// - it reconnects by itself, forever, at most a second apart;
// - behind Sentinel it asks the sentinels for the current primary on every (re)connect, listens
//   for +switch-master (ioredis' failoverDetector) to leave a demoted primary at once, and
//   reconnects on READONLY (a command that still reached a primary turned replica);
// - it never gives up: ioredis ends a client for good when its connector is interrupted while
//   connecting (the failover detector does that when +switch-master arrives mid-reconnect), so a
//   client that ends without closeRedis() is connected again.
import { Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type ParsedRedisUrl } from './url.js';

export const REDIS_CONNECT_TIMEOUT = 2_000;
export const REDIS_MAX_RETRIES_PER_REQUEST = 2;

function backoff(attempt: number): number {
  return Math.min(100 * attempt, 1_000);
}

/** ioredis options for a parsed URL, with the gateway's connection behaviour. */
export function redisOptions(parsed: ParsedRedisUrl): RedisOptions {
  const common: RedisOptions = {
    lazyConnect: true,
    maxRetriesPerRequest: REDIS_MAX_RETRIES_PER_REQUEST,
    connectTimeout: REDIS_CONNECT_TIMEOUT,
    retryStrategy: backoff,
    db: parsed.db,
    ...(parsed.username !== undefined ? { username: parsed.username } : {}),
    ...(parsed.password !== undefined ? { password: parsed.password } : {}),
    ...(parsed.tls ? { tls: {} } : {}),
  };
  if (parsed.kind === 'standalone') return { ...common, host: parsed.server!.host, port: parsed.server!.port };
  return {
    ...common,
    sentinels: parsed.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: parsed.masterName!,
    role: 'master',
    sentinelRetryStrategy: backoff,
    sentinelReconnectStrategy: backoff,
    failoverDetector: true,
    reconnectOnError: (err: Error) => (err.message.startsWith('READONLY') ? 2 : false),
    ...(parsed.sentinelUsername !== undefined ? { sentinelUsername: parsed.sentinelUsername } : {}),
    ...(parsed.sentinelPassword !== undefined ? { sentinelPassword: parsed.sentinelPassword } : {}),
    ...(parsed.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
  };
}

const closing = new WeakSet<Redis>();

/** A new, not yet connected client for the STORE_URL. Errors are for the caller to observe. */
export function createRedis(url: string, overrides: RedisOptions = {}): Redis {
  const client = new Redis({ ...redisOptions(parseRedisUrl(url)), ...overrides });
  let attempt = 0;
  client.on('ready', () => (attempt = 0));
  client.on('end', () => {
    if (closing.has(client)) return;
    const timer = setTimeout(() => {
      if (!closing.has(client) && client.status === 'end') client.connect().catch(() => {});
    }, backoff(++attempt));
    timer.unref();
  });
  return client;
}

/** How long a close waits for QUIT before dropping the connection (a paused Redis never answers). */
export const REDIS_QUIT_TIMEOUT = 1_000;

/** Closes a client made by createRedis for good: QUIT when connected (queued commands finish). */
export async function closeRedis(client: Redis): Promise<void> {
  closing.add(client);
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, REDIS_QUIT_TIMEOUT)));
  await Promise.race([
    client.quit().then(
      () => undefined,
      () => undefined,
    ),
    timeout,
  ]);
  clearTimeout(timer);
  if ((client.status as string) !== 'end') client.disconnect();
}
