import { createHash, timingSafeEqual } from 'node:crypto';

// The secret's digest, computed once per secret rather than once per request.
let cached: { secret: string; digest: Buffer } | undefined;
function digestOf(secret: string): Buffer {
  if (cached?.secret !== secret) cached = { secret, digest: createHash('sha256').update(secret).digest() };
  return cached.digest;
}

/**
 * Does the Authorization header carry `secret`, verbatim or after "Bearer " / "Token "?
 * Both sides are hashed first so the comparison takes the same time whatever the lengths.
 */
export function authorizationMatches(header: string | undefined, secret: string): boolean {
  if (header === undefined) return false;
  const candidates = [header];
  const m = /^(Bearer|Token)\s+(.+)$/i.exec(header.trim());
  if (m) candidates.push(m[2]!);
  const want = digestOf(secret);
  let ok = false;
  for (const c of candidates) {
    const got = createHash('sha256').update(c).digest();
    ok = timingSafeEqual(got, want) || ok;
  }
  return ok;
}
