// Start-up failures: each becomes one line that names the option to fix and the cause, and the
// CLI exits with 2 (see src/cli/main.ts). The original error stays attached for LOG_LEVEL=debug.
import { connect } from 'node:net';
import { isRedisUrl, redactRedisUrl } from '../store/redis/url.js';

export class StartupError extends Error {
  override name = 'StartupError';
  constructor(
    /** The environment variable to change. */
    readonly option: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** A store URL fit for a log line or an error: the credentials of a Redis URL (any form) are left out. */
export function redactUrl(url: string): string {
  return isRedisUrl(url) ? redactRedisUrl(url) : url;
}

interface SystemError {
  code?: string;
  path?: string;
  syscall?: string;
  message?: string;
}

const FS_CAUSES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a parent of it is a file, not a directory',
  EISDIR: 'it is a directory',
  ENOSPC: 'no space left on the device',
  EEXIST: 'a file is in the way where a directory is needed',
};

const PROBE_TIMEOUT = 2_000;

/** What a plain TCP connection to host:port says: the cause ioredis's "Connection is closed" hides. */
export function probeTcp(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (cause: string | null): void => {
      socket.destroy();
      resolve(cause);
    };
    socket.setTimeout(PROBE_TIMEOUT, () => done(`no answer within ${PROBE_TIMEOUT / 1000} s`));
    socket.once('connect', () => done(null));
    socket.once('error', (err: SystemError) => {
      const causes: Record<string, string> = {
        ECONNREFUSED: 'connection refused',
        ENOTFOUND: 'host not found',
        EHOSTUNREACH: 'host unreachable',
        ETIMEDOUT: 'connection timed out',
      };
      done((err.code ? causes[err.code] : undefined) ?? err.message ?? 'connection failed');
    });
  });
}

async function redisCause(storeUrl: string, err: unknown): Promise<string> {
  const message = (err as SystemError)?.message ?? String(err);
  try {
    const url = new URL(storeUrl);
    const cause = await probeTcp(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 6379));
    if (cause !== null) return `Redis is unreachable: ${cause}`;
    return `Redis answers on TCP but the session failed (password, TLS or database number?): ${message}`;
  } catch {
    return `Redis is unreachable: ${message}`;
  }
}

/** Why STORE_URL could not be opened, in words. */
export async function storeFailure(storeUrl: string, err: unknown): Promise<StartupError> {
  const e = (err ?? {}) as SystemError;
  const shown = redactUrl(storeUrl);
  if (isRedisUrl(storeUrl)) {
    return new StartupError('STORE_URL', `STORE_URL ${shown}: ${await redisCause(storeUrl, err)}`, err);
  }
  const path = storeUrl.startsWith('sqlite:') ? storeUrl.slice('sqlite:'.length) : storeUrl;
  if (e.code && FS_CAUSES[e.code]) {
    return new StartupError('STORE_URL', `STORE_URL ${shown}: cannot create ${e.path ?? path} (${FS_CAUSES[e.code]})`, err);
  }
  switch (e.code) {
    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DIRECTORY':
    case 'SQLITE_READONLY_DBMOVED':
      return new StartupError('STORE_URL', `STORE_URL ${shown}: the database ${path} is read-only (make the file and its directory writable)`, err);
    case 'SQLITE_CANTOPEN':
      return new StartupError(
        'STORE_URL',
        `STORE_URL ${shown}: cannot open the database ${path} (missing directory, a directory in its place, or no permission)`,
        err,
      );
    case 'SQLITE_NOTADB':
      return new StartupError('STORE_URL', `STORE_URL ${shown}: ${path} is not a SQLite database`, err);
    default:
      return new StartupError('STORE_URL', `STORE_URL ${shown}: cannot open the store (${e.code ? e.code + ': ' : ''}${e.message ?? String(err)})`, err);
  }
}

/** Why a port could not be bound. `option` is PORT or INTERNAL_PORT, `hostOption` HOST or INTERNAL_HOST. */
export function listenFailure(option: string, hostOption: string, host: string, port: number, err: unknown): StartupError {
  const e = (err ?? {}) as SystemError;
  const where = `${host}:${port}`;
  const cause =
    e.code === 'EADDRINUSE'
      ? `${where} is already in use by another process`
      : e.code === 'EACCES'
        ? `${where} needs privileges this process does not have`
        : e.code === 'EADDRNOTAVAIL'
          ? `${host} is not an address of this machine`
          : `${where}: ${e.message ?? String(err)}`;
  if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') return new StartupError(hostOption, `${hostOption} ${host}: cannot listen: ${cause}`, err);
  return new StartupError(option, `${option} ${port}: cannot listen: ${cause}`, err);
}
