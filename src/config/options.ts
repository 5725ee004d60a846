import { parseProxyEntry } from '../limits/client-ip.js';
import { parseOriginPattern } from '../limits/origins.js';
import { isRedisUrl, parseRedisUrl } from '../store/redis-url.js';

// Every configuration option, declared once. The loader, `--help` and the README's option table
// are all generated from this list, so an option cannot exist in one and be missing in another.

export const DEFAULT_PORT = 8080;
export const DEFAULT_STORE_URL = 'sqlite:./data/gateway.db';
export const DEFAULT_CHANNEL_UUID = '00000000-0000-4000-8000-00000000de70';
export const DEFAULT_MAX_TEXT_LENGTH = 4096;
export const DEFAULT_PING_INTERVAL = 8_000;
export const DEFAULT_PING_TIMEOUT = 20_000;
// At most one receipt ping per socket per second: at 250 ms the pings (and their pongs and delivery
// marks) cost the SQLite gateway about as much CPU as the messages themselves under load.
export const DEFAULT_RECEIPT_PING_DELAY = 1000;
export const DEFAULT_PLATFORM_TIMEOUT = 10_000;
export const DEFAULT_OUTBOX_MAX_AGE = 24 * 3600_000;
export const DEFAULT_HISTORY_MAX_AGE = 30 * 24 * 3600_000;
export const DEFAULT_HISTORY_MAX_MESSAGES = 1000;
export const DEFAULT_DELIVERY_MAX_AGE = 7 * 24 * 3600_000;
export const DEFAULT_MAX_PAYLOAD = 64 * 1024;
export const DEFAULT_MAX_WEBHOOK_BODY = 256 * 1024;
export const DEFAULT_OUTBOX_CONCURRENCY = 32;
export const DEFAULT_CLIENT_RATE = 10;
export const DEFAULT_CLIENT_BURST = 30;
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 50;
export const DEFAULT_MAX_REGISTRATIONS_PER_MINUTE = 30;
export const DEFAULT_REGISTER_TIMEOUT = 60_000;
export const DEFAULT_SHUTDOWN_TIMEOUT = 10_000;
export const DEFAULT_TOKEN_TTL = 30 * 24 * 3600_000;
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;
export const DEFAULT_RETRY_BASE = 1_000;
export const DEFAULT_RETRY_MAX = 5 * 60_000;
// Courier writes its own send status through a queue flushed every 500 ms and overwrites whatever
// is there: a delivery report must reach it well after that (see src/platform/status-reporter.ts).
export const DEFAULT_STATUS_DELAY = 2_000;
export const DEFAULT_MAX_MEDIA_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MEDIA_BYTES_PER_HOUR = 50 * 1024 * 1024;

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  port: number;
  host: string;
  storeUrl: string;
  sqliteSynchronous: 'normal' | 'full';
  redisPrefix: string;
  platformUrl: string | undefined;
  platformHosts: string[];
  channelUuid: string;
  webhookToken: string | undefined;
  authSecret: string | undefined;
  authSecretPrevious: string[];
  tokenTtl: number;
  handshakeTimeout: number;
  logLevel: LogLevel;
  maxTextLength: number;
  pingInterval: number;
  pingTimeout: number;
  receiptPingDelay: number;
  platformTimeout: number;
  retryBase: number;
  retryMax: number;
  outboxMaxAge: number;
  outboxConcurrency: number;
  historyMaxAge: number;
  historyMaxMessages: number;
  statusCallbacks: boolean;
  deliveryMaxAge: number;
  statusDelay: number;
  maxPayload: number;
  allowedOrigins: string[];
  clientRate: number;
  clientBurst: number;
  maxConnectionsPerIp: number;
  maxRegistrationsPerMinute: number;
  trustedProxies: string[];
  registerTimeout: number;
  adminToken: string | undefined;
  maxWebhookBody: number;
  shutdownTimeout: number;
  demoBotDelay: number;
  // Operators' side (issue 13)
  logFormat: LogFormat;
  internalPort: number | undefined;
  internalHost: string | undefined;
  // WWC (issue 16): courier's Weni Web Chat channel, TLS, widget language.
  platformChannelType: 'ex' | 'wwc';
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  defaultLanguage: string;
  // High availability on Redis, shared limits (issue 15)
  redisMinReplicasAck: number;
  redisReplicaAckTimeout: number;
  ipv6PrefixLength: number;
  // Attachments (issue 12)
  maxMediaBytes: number;
  mediaBytesPerHour: number;
  publicUrl: string | undefined;
}

/** Raised for an invalid option; its message is the one line shown before exiting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Sections of `serve --help` and of the README's option table, in this order. */
export const OPTION_GROUPS = ['essentials', 'platform', 'limits', 'delivery', 'storage', 'observability'] as const;
export type OptionGroup = (typeof OPTION_GROUPS)[number];

export interface OptionSpec<K extends keyof Config = keyof Config> {
  key: K;
  group: OptionGroup;
  env: string;
  flag: string;
  /** Shown in --help and the README; undefined means "unset". */
  default: Config[K];
  /** How the default reads in docs, where the raw value would mislead. */
  defaultText?: string;
  description: string;
  /** Parses the raw string; throws Error with a sentence naming what is expected. */
  parse: (raw: string) => Config[K];
  secret?: boolean;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

function integer(min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^\s*-?\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new Error(`expected a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };

/** "500ms", "10s", "5m", "24h", "30d", or a bare number of milliseconds. */
export function parseDuration(raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(raw);
  if (!m) throw new Error('expected a duration such as 500ms, 10s, 5m, 24h or 30d');
  const value = Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']!);
  if (!Number.isSafeInteger(value)) throw new Error('duration is too large');
  return value;
}

function duration(min: number) {
  return (raw: string): number => {
    const v = parseDuration(raw);
    if (v < min) throw new Error(`expected at least ${min} ms`);
    return v;
  };
}

function bytes(min: number, max: number) {
  return (raw: string): number => {
    const m = /^\s*(\d+)\s*(b|kib|kb|k|mib|mb|m)?\s*$/i.exec(raw);
    if (!m) throw new Error('expected a size such as 65536, 64KiB or 1MiB');
    const unit = (m[2] ?? 'b').toLowerCase();
    const mult = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
    const v = Number(m[1]) * mult;
    if (v < min || v > max) throw new Error(`expected a size from ${min} to ${max} bytes`);
    return v;
  };
}

function boolean(raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  throw new Error('expected true or false');
}

function nonEmpty(raw: string): string {
  if (raw.trim() === '') throw new Error('must not be empty');
  return raw;
}

/** A platform base URL: http(s), no credentials, no query; trailing slash removed. */
export function parsePlatformUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error('expected an absolute http(s) URL such as https://rapidpro.example.org');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('expected an http or https URL');
  if (url.username || url.password) throw new Error('credentials in the URL are not allowed');
  if (url.search || url.hash) throw new Error('the URL must not have a query or fragment');
  return url.origin + url.pathname.replace(/\/+$/, '');
}

function urlList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(parsePlatformUrl);
}

function secretList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function originList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(parseOriginPattern);
}

/** Addresses and CIDR ranges (TRUSTED_PROXIES). */
function ipOrCidrList(raw: string): string[] {
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const e of entries) parseProxyEntry(e);
  return entries;
}

function storeUrl(raw: string): string {
  const v = raw.trim();
  if (v === 'memory:' || /^sqlite:.+/.test(v)) return v;
  if (isRedisUrl(v)) {
    parseRedisUrl(v); // throws one line naming what is wrong
    return v;
  }
  throw new Error('expected sqlite:<path>, memory:, redis://host:port/db or redis+sentinel://host1:26379,host2:26379/<master-name>');
}

function sqliteSync(raw: string): 'normal' | 'full' {
  const v = raw.trim().toLowerCase();
  if (v !== 'normal' && v !== 'full') throw new Error('expected normal or full');
  return v;
}

function uuid(raw: string): string {
  if (!isUuid(raw.trim())) throw new Error('expected a UUID such as 6f1c3d7e-8a2b-4c5d-9e0f-1a2b3c4d5e6f');
  return raw.trim().toLowerCase();
}

function logLevel(raw: string): LogLevel {
  const v = raw.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(v)) throw new Error(`expected one of ${LOG_LEVELS.join(', ')}`);
  return v as LogLevel;
}

function logFormat(raw: string): LogFormat {
  const v = raw.trim().toLowerCase();
  if (!(LOG_FORMATS as readonly string[]).includes(v)) throw new Error(`expected ${LOG_FORMATS.join(' or ')}`);
  return v as LogFormat;
}

function channelType(raw: string): 'ex' | 'wwc' {
  const v = raw.trim().toLowerCase();
  if (v !== 'ex' && v !== 'wwc') throw new Error('expected ex (courier External channel) or wwc (Weni Web Chat channel)');
  return v;
}

function language(raw: string): string {
  const v = raw.trim();
  if (!/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(v)) throw new Error('expected a language tag such as en, pt-BR or es');
  return v;
}

function option<K extends keyof Config>(spec: OptionSpec<K>): OptionSpec<K> {
  return spec;
}

export const OPTIONS = [
  option({
    key: 'port',
    group: 'essentials',
    env: 'PORT',
    flag: '--port',
    default: DEFAULT_PORT,
    parse: integer(0, 65535),
    description: 'TCP port for HTTP and WebSocket (0 picks a free port).',
  }),
  option({ key: 'host', group: 'essentials', env: 'HOST', flag: '--host', default: '0.0.0.0', parse: nonEmpty, description: 'Address to listen on.' }),
  option({
    key: 'storeUrl',
    group: 'essentials',
    env: 'STORE_URL',
    flag: '--store-url',
    default: DEFAULT_STORE_URL,
    parse: storeUrl,
    description:
      'Where sessions, messages and the outbox live: `sqlite:<path>`, `memory:` (lost on exit), `redis://host:port/db` (also `rediss://`) or, behind Sentinel, `redis+sentinel://[user:pass@]host1:26379,host2:26379/<master-name>[/db]` (also `rediss+sentinel://`).',
  }),
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
    key: 'platformUrl',
    group: 'essentials',
    env: 'PLATFORM_URL',
    flag: '--platform-url',
    default: undefined,
    defaultText: 'unset: built-in demo bot',
    parse: parsePlatformUrl,
    description: 'Base URL (hostApi) of the RapidPro-style platform used when a widget names none.',
  }),
  option({
    key: 'platformHosts',
    group: 'platform',
    env: 'PLATFORM_HOSTS',
    flag: '--platform-hosts',
    default: [],
    defaultText: 'none',
    parse: urlList,
    description: 'Other platform base URLs widgets may name as `hostApi`, comma-separated. Anything else is refused.',
  }),
  option({
    key: 'channelUuid',
    group: 'essentials',
    env: 'CHANNEL_UUID',
    flag: '--channel-uuid',
    default: DEFAULT_CHANNEL_UUID,
    defaultText: 'demo channel',
    parse: uuid,
    description: 'External channel UUID used when a widget names none.',
  }),
  option({
    key: 'webhookToken',
    group: 'essentials',
    env: 'WEBHOOK_TOKEN',
    flag: '--webhook-token',
    default: undefined,
    defaultText: 'required with PLATFORM_URL',
    parse: nonEmpty,
    secret: true,
    description: 'Secret the platform sends as `Authorization` on `POST /send` (verbatim, `Bearer <t>` or `Token <t>`).',
  }),
  option({
    key: 'authSecret',
    group: 'essentials',
    env: 'AUTH_SECRET',
    flag: '--auth-secret',
    default: undefined,
    defaultText: 'generated once, kept in the store',
    parse: nonEmpty,
    secret: true,
    description: 'Key that signs session tokens (HS256).',
  }),
  option({
    key: 'authSecretPrevious',
    group: 'limits',
    env: 'AUTH_SECRET_PREVIOUS',
    flag: '--auth-secret-previous',
    default: [],
    defaultText: 'none',
    parse: secretList,
    secret: true,
    description: 'Former AUTH_SECRET values, comma-separated: tokens they signed stay valid during a key rotation.',
  }),
  option({
    key: 'tokenTtl',
    group: 'limits',
    env: 'TOKEN_TTL',
    flag: '--token-ttl',
    default: DEFAULT_TOKEN_TTL,
    defaultText: '30d',
    parse: duration(60_000),
    description: 'Lifetime of a session token; renewed on every connection (sliding).',
  }),
  option({
    key: 'handshakeTimeout',
    group: 'limits',
    env: 'HANDSHAKE_TIMEOUT',
    flag: '--handshake-timeout',
    default: DEFAULT_HANDSHAKE_TIMEOUT,
    defaultText: '10s',
    parse: duration(100),
    description: 'A socket that has not completed the SocketCluster handshake by then is closed.',
  }),
  option({
    key: 'logLevel',
    group: 'observability',
    env: 'LOG_LEVEL',
    flag: '--log-level',
    default: 'info',
    parse: logLevel,
    description: 'pino log level. Message text is logged only at `debug`.',
  }),
  option({
    key: 'maxTextLength',
    group: 'limits',
    env: 'MAX_TEXT_LENGTH',
    flag: '--max-text-length',
    default: DEFAULT_MAX_TEXT_LENGTH,
    parse: integer(1, 1_000_000),
    description: 'Longest user message text accepted, in characters.',
  }),
  option({
    key: 'pingInterval',
    group: 'delivery',
    env: 'PING_INTERVAL',
    flag: '--ping-interval',
    default: DEFAULT_PING_INTERVAL,
    defaultText: '8s',
    parse: duration(50),
    description: 'Keep-alive ping period for each socket.',
  }),
  option({
    key: 'pingTimeout',
    group: 'delivery',
    env: 'PING_TIMEOUT',
    flag: '--ping-timeout',
    default: DEFAULT_PING_TIMEOUT,
    defaultText: '20s',
    parse: duration(100),
    description: 'A socket that answers no ping for this long is closed (clients use the same value).',
  }),
  option({
    key: 'receiptPingDelay',
    group: 'delivery',
    env: 'RECEIPT_PING_DELAY',
    flag: '--receipt-ping-delay',
    default: DEFAULT_RECEIPT_PING_DELAY,
    defaultText: '1s',
    parse: duration(0),
    description:
      'At most one receipt ping per socket per this interval: right after the frames if the socket had none for that long, else at its end (see Delivery guarantees). Shorter: fewer repeats after a reload of a busy conversation; longer: fewer pings under load.',
  }),
  option({
    key: 'platformTimeout',
    group: 'platform',
    env: 'PLATFORM_TIMEOUT',
    flag: '--platform-timeout',
    default: DEFAULT_PLATFORM_TIMEOUT,
    defaultText: '10s',
    parse: duration(100),
    description: 'Timeout of each HTTP call to the platform.',
  }),
  option({
    key: 'retryBase',
    group: 'delivery',
    env: 'RETRY_BASE',
    flag: '--retry-base',
    default: DEFAULT_RETRY_BASE,
    defaultText: '1s',
    parse: duration(10),
    description: 'First retry delay of a failed platform call; doubles per attempt, with jitter.',
  }),
  option({
    key: 'retryMax',
    group: 'delivery',
    env: 'RETRY_MAX',
    flag: '--retry-max',
    default: DEFAULT_RETRY_MAX,
    defaultText: '5m',
    parse: duration(10),
    description: 'Cap of the retry delay.',
  }),
  option({
    key: 'outboxMaxAge',
    group: 'delivery',
    env: 'OUTBOX_MAX_AGE',
    flag: '--outbox-max-age',
    default: DEFAULT_OUTBOX_MAX_AGE,
    defaultText: '24h',
    parse: duration(1000),
    description: 'A user message not accepted by the platform within this time is marked failed.',
  }),
  option({
    key: 'outboxConcurrency',
    group: 'delivery',
    env: 'OUTBOX_CONCURRENCY',
    flag: '--outbox-concurrency',
    default: DEFAULT_OUTBOX_CONCURRENCY,
    parse: integer(1, 10_000),
    description: 'Platform calls in flight at once (each session still one at a time, in order).',
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
    key: 'statusCallbacks',
    group: 'platform',
    env: 'STATUS_CALLBACKS',
    flag: '--status-callbacks',
    default: false,
    parse: boolean,
    description:
      'Report `POST {hostApi}/c/ex/{channel}/delivered` (form `id`) once a platform message is proven delivered to a widget, and `/failed` once it expired undelivered.',
  }),
  option({
    key: 'deliveryMaxAge',
    group: 'platform',
    env: 'DELIVERY_MAX_AGE',
    flag: '--delivery-max-age',
    default: DEFAULT_DELIVERY_MAX_AGE,
    defaultText: '7d',
    parse: duration(1000),
    description: 'With STATUS_CALLBACKS: a platform message not proven delivered within this time is reported `failed` (it stays queued for the widget).',
  }),
  option({
    key: 'statusDelay',
    group: 'platform',
    env: 'STATUS_DELAY',
    flag: '--status-delay',
    default: DEFAULT_STATUS_DELAY,
    defaultText: '2s',
    parse: duration(0),
    description:
      'With STATUS_CALLBACKS: a report is sent no earlier than this after the `/send` that carried the message was answered (courier overwrites a status that arrives before its own send record), and retried with backoff if it does not get through.',
  }),
  option({
    key: 'maxPayload',
    group: 'limits',
    env: 'MAX_PAYLOAD',
    flag: '--max-payload',
    default: DEFAULT_MAX_PAYLOAD,
    defaultText: '64KiB',
    parse: bytes(1024, 16 * 1024 * 1024),
    description: 'Largest WebSocket frame accepted; larger frames close the socket with 1009.',
  }),
  option({
    key: 'allowedOrigins',
    group: 'essentials',
    env: 'ALLOWED_ORIGINS',
    flag: '--allowed-origins',
    default: [],
    defaultText: 'all (with a warning)',
    parse: originList,
    description:
      'Origins whose pages may open a WebSocket, comma-separated; `https://*.example.org` allows its subdomains. Others are refused at the handshake.',
  }),
  option({
    key: 'clientRate',
    group: 'limits',
    env: 'CLIENT_RATE',
    flag: '--client-rate',
    default: DEFAULT_CLIENT_RATE,
    parse: integer(1, 100_000),
    description: 'Events per second a socket may emit on average (token bucket).',
  }),
  option({
    key: 'clientBurst',
    group: 'limits',
    env: 'CLIENT_BURST',
    flag: '--client-burst',
    default: DEFAULT_CLIENT_BURST,
    parse: integer(1, 1_000_000),
    description: 'Events a socket may emit at once; beyond it events are refused with WG_ERR_RATE_LIMITED, and a socket that keeps going is closed (4400).',
  }),
  option({
    key: 'maxConnectionsPerIp',
    group: 'limits',
    env: 'MAX_CONNECTIONS_PER_IP',
    flag: '--max-connections-per-ip',
    default: DEFAULT_MAX_CONNECTIONS_PER_IP,
    parse: integer(1, 10_000_000),
    description: 'Open WebSockets per client address.',
  }),
  option({
    key: 'maxRegistrationsPerMinute',
    group: 'limits',
    env: 'MAX_REGISTRATIONS_PER_MINUTE',
    flag: '--max-registrations-per-minute',
    default: DEFAULT_MAX_REGISTRATIONS_PER_MINUTE,
    parse: integer(1, 10_000_000),
    description: 'registerUser calls per client address per minute.',
  }),
  option({
    key: 'trustedProxies',
    group: 'limits',
    env: 'TRUSTED_PROXIES',
    flag: '--trusted-proxies',
    default: [],
    defaultText: 'none',
    parse: ipOrCidrList,
    description: 'Reverse proxies whose X-Forwarded-For is believed, comma-separated: addresses or CIDR ranges, IPv4 and IPv6 (`10.0.0.0/8,fd00::/8`).',
  }),
  option({
    key: 'registerTimeout',
    group: 'limits',
    env: 'REGISTER_TIMEOUT',
    flag: '--register-timeout',
    default: DEFAULT_REGISTER_TIMEOUT,
    defaultText: '60s',
    parse: duration(100),
    description: 'A socket without a session this long after connecting is closed (4501).',
  }),
  // Operators' side: log format, the internal port for metrics, health and the admin API/page.
  option({
    key: 'logFormat',
    group: 'observability',
    env: 'LOG_FORMAT',
    flag: '--log-format',
    default: 'json',
    parse: logFormat,
    description: '`json` (one object per line, for log collectors) or `pretty` (one readable line per event, for a terminal).',
  }),
  option({
    key: 'internalPort',
    group: 'observability',
    env: 'INTERNAL_PORT',
    flag: '--internal-port',
    default: undefined,
    defaultText: 'unset: all on PORT',
    parse: integer(0, 65535),
    description: 'When set, `/metrics`, `/healthz`, `/readyz` and the admin API and page are served only on this port, not on PORT.',
  }),
  option({
    key: 'internalHost',
    group: 'observability',
    env: 'INTERNAL_HOST',
    flag: '--internal-host',
    default: undefined,
    defaultText: 'same as HOST',
    parse: nonEmpty,
    description: 'Address the internal port listens on (e.g. 127.0.0.1 to keep it on the machine).',
  }),
  option({
    key: 'adminToken',
    group: 'observability',
    env: 'ADMIN_TOKEN',
    flag: '--admin-token',
    default: undefined,
    defaultText: 'unset: admin API off',
    parse: nonEmpty,
    secret: true,
    description: 'Bearer token of the admin API and page (`/admin/`); without it they answer 404.',
  }),
  option({
    key: 'maxWebhookBody',
    group: 'limits',
    env: 'MAX_WEBHOOK_BODY',
    flag: '--max-webhook-body',
    default: DEFAULT_MAX_WEBHOOK_BODY,
    defaultText: '256KiB',
    parse: bytes(1024, 64 * 1024 * 1024),
    description: 'Largest webhook body accepted (413 beyond).',
  }),
  option({
    key: 'shutdownTimeout',
    group: 'delivery',
    env: 'SHUTDOWN_TIMEOUT',
    flag: '--shutdown-timeout',
    default: DEFAULT_SHUTDOWN_TIMEOUT,
    defaultText: '10s',
    parse: duration(100),
    description: 'Longest graceful shutdown on SIGTERM/SIGINT before exiting anyway.',
  }),
  option({
    key: 'demoBotDelay',
    group: 'platform',
    env: 'DEMO_BOT_DELAY',
    flag: '--demo-bot-delay',
    default: 300,
    defaultText: '300ms',
    parse: duration(0),
    description: 'How long the built-in demo bot "types" before answering.',
  }),
  option({
    key: 'platformChannelType',
    group: 'platform',
    env: 'PLATFORM_CHANNEL_TYPE',
    flag: '--platform-channel-type',
    default: 'ex',
    parse: channelType,
    description:
      'The platform channel user messages go to: `ex` (courier External channel, `/c/ex/{uuid}/receive`, form) or `wwc` (Weni Web Chat channel, `/c/wwc/{uuid}/receive`, JSON). Independent of the widget protocol.',
  }),
  option({
    key: 'tlsCert',
    group: 'essentials',
    env: 'TLS_CERT',
    flag: '--tls-cert',
    default: undefined,
    defaultText: 'unset: plain HTTP',
    parse: nonEmpty,
    description: 'PEM certificate (chain) file: with TLS_KEY the gateway serves HTTPS and wss:// itself (push-webchat and webchat-service force wss).',
  }),
  option({
    key: 'tlsKey',
    group: 'essentials',
    env: 'TLS_KEY',
    flag: '--tls-key',
    default: undefined,
    defaultText: 'unset: plain HTTP',
    parse: nonEmpty,
    description: 'PEM private key file for TLS_CERT.',
  }),
  option({
    key: 'defaultLanguage',
    group: 'platform',
    env: 'DEFAULT_LANGUAGE',
    flag: '--default-language',
    default: 'en',
    parse: language,
    description: 'Language WWC widgets get for `get_project_language`.',
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
  option({
    key: 'ipv6PrefixLength',
    group: 'limits',
    env: 'IPV6_PREFIX_LENGTH',
    flag: '--ipv6-prefix-length',
    default: 64,
    parse: integer(1, 128),
    description: 'IPv6 clients count for MAX_CONNECTIONS_PER_IP and MAX_REGISTRATIONS_PER_MINUTE by network of this prefix length (128 = each address alone).',
  }),
  option({
    key: 'maxMediaBytes',
    group: 'limits',
    env: 'MAX_MEDIA_BYTES',
    flag: '--max-media-bytes',
    default: DEFAULT_MAX_MEDIA_BYTES,
    defaultText: '10MiB',
    parse: bytes(0, 256 * 1024 * 1024),
    description:
      'Largest file a visitor may send (decoded size); 0 refuses all files. WWC sockets (`/ws`) admit frames big enough for such a file; SocketCluster frames stay within MAX_PAYLOAD. See docs/media.md.',
  }),
  option({
    key: 'mediaBytesPerHour',
    group: 'limits',
    env: 'MEDIA_BYTES_PER_HOUR',
    flag: '--media-bytes-per-hour',
    default: DEFAULT_MEDIA_BYTES_PER_HOUR,
    defaultText: '50MiB',
    parse: bytes(0, 256 * 1024 * 1024),
    description: 'Bytes of files one session may send in any hour; past it uploads get `WG_ERR_MEDIA_BUDGET`.',
  }),
  option({
    key: 'publicUrl',
    group: 'essentials',
    env: 'PUBLIC_URL',
    flag: '--public-url',
    default: undefined,
    defaultText: 'unset: the address the gateway listens on',
    parse: parsePlatformUrl,
    description:
      'The base URL browsers and the platform reach this gateway at (`https://chat.example.org`); uploaded files are served at `<PUBLIC_URL>/media/<id>/<name>`. Required for files behind a proxy (TRUSTED_PROXIES): without it uploads are refused.',
  }),
] as const satisfies readonly OptionSpec<any>[];
