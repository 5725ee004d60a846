// What STORE_URL opens besides the store: the fanout between processes and the per-address
// limits; in this process alone, or shared by every node over Redis.
import type { Config } from './config/options.js';
import { LocalFanout, type Fanout } from './delivery/fanout.js';
import { MemoryAddressLimits, type AddressLimits } from './limits/address-limits.js';
import type { Logger } from './log/logger.js';
import { isRedisUrl } from './store/redis/url.js';

/** Processes share a store over Redis; alone, they notify themselves. */
export async function openFanout(c: Config, log: Logger): Promise<Fanout> {
  if (!isRedisUrl(c.storeUrl)) return new LocalFanout();
  // Loaded only for Redis: ioredis is a good part of the start-up time otherwise.
  const { RedisFanout } = await import('./store/redis/fanout.js');
  const fanout = new RedisFanout(c.storeUrl, c.redisPrefix, log);
  await fanout.start();
  return fanout;
}

/** Per-address limits: shared by all nodes in Redis when the store is Redis, else in this process. */
export async function openLimits(c: Config, log: Logger): Promise<AddressLimits> {
  const options = {
    maxConnectionsPerIp: c.maxConnectionsPerIp,
    maxRegistrationsPerMinute: c.maxRegistrationsPerMinute,
    ipv6PrefixLength: c.ipv6PrefixLength,
  };
  if (!isRedisUrl(c.storeUrl)) return new MemoryAddressLimits(options);
  const { RedisAddressLimits } = await import('./limits/redis-address-limits.js');
  const limits = new RedisAddressLimits(c.storeUrl, c.redisPrefix, options, log);
  await limits.start();
  return limits;
}
