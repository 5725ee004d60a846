import { hash, timingSafeEqual } from 'node:crypto';

const sha256 = (s: string): Buffer => hash('sha256', s, 'buffer');

// The secret's digest, computed once per secret rather than once per request.
let cached: { secret: string; digest: Buffer } | undefined;
function digestOf(secret: string): Buffer {
  if (cached?.secret !== secret) cached = { secret, digest: sha256(secret) };
  return cached.digest;
}

const SCHEME = /^(Bearer|Token)\s+(.+)$/i;

/**
 * Does the Authorization header carry `secret`, verbatim or after "Bearer " / "Token "?
 * Both sides are hashed first so the comparison takes the same time whatever the lengths.
 * crypto.hash (one call, no Hash object) rather than createHash: this runs on every webhook.
 */
export function authorizationMatches(header: string | undefined, secret: string): boolean {
  if (header === undefined) return false;
  const want = digestOf(secret);
  let ok = timingSafeEqual(sha256(header), want);
  const m = SCHEME.exec(header.trim());
  if (m) ok = timingSafeEqual(sha256(m[2]!), want) || ok;
  return ok;
}
