// Parsers and validators of option values, shared by the option table (src/config/groups/) and by
// the parts that check the same shapes at run time (platform URLs, UUIDs). Each throws an Error
// whose message names what is expected.
import { parseProxyEntry } from '../limits/client-ip.js';
import { parseOriginPattern } from '../limits/origins.js';
import { isRedisUrl, parseRedisUrl } from '../store/redis/url.js';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

export function integer(min: number, max: number) {
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

export function duration(min: number) {
  return (raw: string): number => {
    const v = parseDuration(raw);
    if (v < min) throw new Error(`expected at least ${min} ms`);
    return v;
  };
}

export function bytes(min: number, max: number) {
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

export function boolean(raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  throw new Error('expected true or false');
}

export function nonEmpty(raw: string): string {
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

/** A comma-separated list, entries trimmed, empty ones dropped. */
export function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export const urlList = (raw: string): string[] => splitList(raw).map(parsePlatformUrl);
export const secretList = splitList;
export const originList = (raw: string): string[] => splitList(raw).map(parseOriginPattern);

/** Addresses and CIDR ranges (TRUSTED_PROXIES). */
export function ipOrCidrList(raw: string): string[] {
  const entries = splitList(raw);
  for (const e of entries) parseProxyEntry(e);
  return entries;
}

export function storeUrl(raw: string): string {
  const v = raw.trim();
  if (v === 'memory:' || /^sqlite:.+/.test(v)) return v;
  if (isRedisUrl(v)) {
    parseRedisUrl(v); // throws one line naming what is wrong
    return v;
  }
  throw new Error('expected sqlite:<path>, memory:, redis://host:port/db or redis+sentinel://host1:26379,host2:26379/<master-name>');
}

export function sqliteSync(raw: string): 'normal' | 'full' {
  const v = raw.trim().toLowerCase();
  if (v !== 'normal' && v !== 'full') throw new Error('expected normal or full');
  return v;
}

export function uuid(raw: string): string {
  if (!isUuid(raw.trim())) throw new Error('expected a UUID such as 6f1c3d7e-8a2b-4c5d-9e0f-1a2b3c4d5e6f');
  return raw.trim().toLowerCase();
}

export function logLevel(raw: string): LogLevel {
  const v = raw.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(v)) throw new Error(`expected one of ${LOG_LEVELS.join(', ')}`);
  return v as LogLevel;
}

export function logFormat(raw: string): LogFormat {
  const v = raw.trim().toLowerCase();
  if (!(LOG_FORMATS as readonly string[]).includes(v)) throw new Error(`expected ${LOG_FORMATS.join(' or ')}`);
  return v as LogFormat;
}

export function channelType(raw: string): 'ex' | 'wwc' {
  const v = raw.trim().toLowerCase();
  if (v !== 'ex' && v !== 'wwc') throw new Error('expected ex (courier External channel) or wwc (Weni Web Chat channel)');
  return v;
}

export function language(raw: string): string {
  const v = raw.trim();
  if (!/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(v)) throw new Error('expected a language tag such as en, pt-BR or es');
  return v;
}
