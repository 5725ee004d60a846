// The one parser of Redis STORE_URLs. Everything that connects to Redis (the store, the fanout's
// publisher and subscriber, the shared per-address limits) gets its connection options from here,
// so the URL forms and the connection behaviour are defined once.
//
//   redis://[user:pass@]host[:port][/db]                      one server
//   rediss://...                                              the same over TLS
//   redis+sentinel://[user:pass@]h1[:p1],h2[:p2],.../<master-name>[/db][?sentinelUsername=..&sentinelPassword=..]
//   rediss+sentinel://...                                     TLS to the sentinels and to the servers
//
// With Sentinel, `user:pass` authenticates to the Redis servers (primary and replicas); sentinels
// that need their own credentials get them from the query (`sentinelUsername`, `sentinelPassword`).
// Sentinel ports default to 26379, server ports to 6379.

export interface RedisEndpoint {
  host: string;
  port: number;
}

export interface ParsedRedisUrl {
  kind: 'standalone' | 'sentinel';
  tls: boolean;
  /** standalone: the server; sentinel: empty. */
  server?: RedisEndpoint;
  /** sentinel: the sentinels, in the order given. */
  sentinels: RedisEndpoint[];
  /** sentinel: the monitored master's name. */
  masterName?: string;
  db: number;
  username?: string;
  password?: string;
  sentinelUsername?: string;
  sentinelPassword?: string;
}

const SCHEMES = /^(rediss?)(\+sentinel)?:\/\//i;
const FORMS = 'redis://host:port/db, rediss://..., redis+sentinel://host1:26379,host2:26379/<master-name>[/db] or rediss+sentinel://...';

/** True for any of the Redis URL forms (valid or not): the store is Redis. */
export function isRedisUrl(url: string): boolean {
  return SCHEMES.test(url.trim());
}

/** Parses a Redis STORE_URL; throws one clear line on anything malformed. */
export function parseRedisUrl(raw: string): ParsedRedisUrl {
  const url = raw.trim();
  const scheme = SCHEMES.exec(url);
  if (!scheme) throw new Error(`expected ${FORMS}`);
  const tls = scheme[1]!.toLowerCase() === 'rediss';
  const sentinel = scheme[2] !== undefined;
  const rest = url.slice(scheme[0].length);
  const m = /^(?:([^@/]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/.exec(rest);
  if (!m) throw new Error(`malformed Redis URL; expected ${FORMS}`);
  const [, auth, hostList, path = '', query = ''] = m;
  const creds = parseAuth(auth);
  const params = new URLSearchParams(query);
  const segments = path.split('/').filter((s) => s !== '');

  if (!sentinel) {
    if (hostList!.includes(',')) throw new Error('several hosts need redis+sentinel://h1:26379,h2:26379/<master-name>');
    if (segments.length > 1) throw new Error(`expected at most a db number after the host, got ${JSON.stringify(path)}`);
    return { kind: 'standalone', tls, server: parseEndpoint(hostList || '127.0.0.1', 6379), sentinels: [], db: parseDb(segments[0]), ...creds };
  }

  const sentinels = hostList!
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '')
    .map((h) => parseEndpoint(h, 26379));
  if (sentinels.length === 0) throw new Error('redis+sentinel:// needs at least one sentinel host:port');
  if (segments.length === 0 || segments.length > 2) throw new Error('redis+sentinel:// needs /<master-name> and optionally /<db> after the sentinels');
  for (const key of params.keys()) {
    if (key !== 'sentinelUsername' && key !== 'sentinelPassword')
      throw new Error(`unknown Redis URL parameter ${JSON.stringify(key)} (known: sentinelUsername, sentinelPassword)`);
  }
  return {
    kind: 'sentinel',
    tls,
    sentinels,
    masterName: decode(segments[0]!),
    db: parseDb(segments[1]),
    ...creds,
    ...(params.has('sentinelUsername') ? { sentinelUsername: params.get('sentinelUsername')! } : {}),
    ...(params.has('sentinelPassword') ? { sentinelPassword: params.get('sentinelPassword')! } : {}),
  };
}

/** The URL for logs and errors: the user name kept, the passwords left out (sentinelPassword as ***). */
export function redactRedisUrl(url: string): string {
  return url
    .replace(/\/\/([^@/]*)@/, (_, auth: string) => {
      const user = auth.split(':')[0] ?? '';
      return user ? `//${user}@` : '//';
    })
    .replace(/(sentinelPassword=)[^&#]*/g, '$1***');
}

function parseAuth(auth: string | undefined): { username?: string; password?: string } {
  if (auth === undefined || auth === '') return {};
  const i = auth.indexOf(':');
  const username = decode(i < 0 ? auth : auth.slice(0, i));
  const password = i < 0 ? undefined : decode(auth.slice(i + 1));
  return { ...(username !== '' ? { username } : {}), ...(password !== undefined && password !== '' ? { password } : {}) };
}

function parseEndpoint(raw: string, defaultPort: number): RedisEndpoint {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(raw);
  if (!m) throw new Error(`${JSON.stringify(raw)} is not host[:port]`);
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`port ${m[3]} of ${JSON.stringify(raw)} is out of range`);
  return { host: m[1] ?? m[2]!, port };
}

function parseDb(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  if (!/^\d{1,5}$/.test(raw)) throw new Error(`the Redis db must be a number, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new Error(`bad percent-encoding in ${JSON.stringify(s)}`);
  }
}
