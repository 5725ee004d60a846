// The `storage` options (see src/config/options.ts).
import { DEFAULT_HISTORY_MAX_AGE, DEFAULT_HISTORY_MAX_MESSAGES } from '../defaults.js';
import { option } from '../spec.js';
import { duration, integer, nonEmpty, sqliteSync } from '../validators.js';

export const STORAGE_OPTIONS = [
  option({
    key: 'sqliteSynchronous',
    group: 'storage',
    env: 'SQLITE_SYNCHRONOUS',
    flag: '--sqlite-synchronous',
    default: 'normal',
    parse: sqliteSync,
    description:
      'SQLite durability: `normal` survives a process crash (kill -9); `full` also fsyncs every commit to survive power loss, at a cost in throughput.',
  }),
  option({
    key: 'redisPrefix',
    group: 'storage',
    env: 'REDIS_PREFIX',
    flag: '--redis-prefix',
    default: 'wg:',
    parse: nonEmpty,
    description: 'Prefix of every Redis key (with a `redis://` STORE_URL).',
  }),
  option({
    key: 'historyMaxAge',
    group: 'storage',
    env: 'HISTORY_MAX_AGE',
    flag: '--history-max-age',
    default: DEFAULT_HISTORY_MAX_AGE,
    defaultText: '30d',
    parse: duration(1000),
    description: 'Messages older than this are deleted.',
  }),
  option({
    key: 'historyMaxMessages',
    group: 'storage',
    env: 'HISTORY_MAX_MESSAGES',
    flag: '--history-max-messages',
    default: DEFAULT_HISTORY_MAX_MESSAGES,
    parse: integer(1, 1_000_000),
    description: 'Messages kept per session; older ones are deleted.',
  }),
  option({
    key: 'redisMinReplicasAck',
    group: 'storage',
    env: 'REDIS_MIN_REPLICAS_ACK',
    flag: '--redis-min-replicas-ack',
    default: 0,
    parse: integer(0, 16),
    description:
      'With a Redis store: replicas that must hold a write (`WAIT`) before it answers a widget or the platform; a write they do not confirm in time is `WG_ERR_NOT_REPLICATED`, not a success. 0 = asynchronous replication (a failover may lose the last writes); 1 for HA (see docs/scaling.md).',
  }),
  option({
    key: 'redisReplicaAckTimeout',
    group: 'storage',
    env: 'REDIS_REPLICA_ACK_TIMEOUT',
    flag: '--redis-replica-ack-timeout',
    default: 1_000,
    defaultText: '1s',
    parse: duration(1),
    description: 'With REDIS_MIN_REPLICAS_ACK: how long a write waits for its replicas.',
  }),
] as const;
