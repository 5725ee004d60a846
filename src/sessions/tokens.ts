import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** What a session token carries. Kept small: the v9 client stores it in localStorage. */
export interface SessionClaims {
  urn: string;
  /** The session's creation time: a token only opens the session it was issued for. */
  sc?: number;
  exp?: number;
  iat?: number;
}

export function isSessionClaims(value: unknown): value is SessionClaims {
  return typeof value === 'object' && value !== null && typeof (value as SessionClaims).urn === 'string';
}

/**
 * SocketCluster auth engine (same interface as ag-auth) that signs with the current secret and
 * accepts tokens signed with any of the previous ones, so a key rotation logs nobody out.
 * Only HS256 is accepted: a token cannot choose its own algorithm.
 */
export class RotatingAuthEngine {
  // jsonwebtoken first tries to read a string secret as a PEM key (and fails) on every call; a
  // secret KeyObject skips that, which was a quarter of the CPU of accepting connections.
  private readonly keys = new Map<string, KeyObject>();

  constructor(private readonly previousKeys: readonly string[] = []) {}

  private key(secret: string): KeyObject {
    let k = this.keys.get(secret);
    if (!k) this.keys.set(secret, (k = createSecretKey(Buffer.from(secret))));
    return k;
  }

  verifyToken(signedToken: unknown, key: string, options: Record<string, unknown> = {}): Promise<unknown> {
    if (typeof signedToken !== 'string') return Promise.reject(Object.assign(new Error('Token must be a string'), { name: 'AuthTokenInvalidError' }));
    const { socket: _socket, ...rest } = options;
    const verifyOptions = { ...rest, algorithms: ['HS256' as const] };
    let firstError: unknown;
    for (const k of [key, ...this.previousKeys]) {
      try {
        return Promise.resolve(jwt.verify(signedToken, this.key(k), verifyOptions));
      } catch (err) {
        firstError ??= err;
        // An expired token is expired under every key; stop here so the error says so.
        if ((err as Error).name === 'TokenExpiredError') break;
      }
    }
    return Promise.reject(firstError instanceof Error ? firstError : new Error(String(firstError)));
  }

  signToken(token: object, key: string, options: Record<string, unknown> = {}): Promise<string> {
    const { socket: _socket, ...rest } = options;
    return Promise.resolve(jwt.sign(token, this.key(key), { ...rest, algorithm: 'HS256' }));
  }
}
