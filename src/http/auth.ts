import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Does the Authorization header carry `secret`, verbatim or after "Bearer " / "Token "?
 * Both sides are hashed first so the comparison takes the same time whatever the lengths.
 */
export function authorizationMatches(header: string | undefined, secret: string): boolean {
  if (header === undefined) return false;
  const candidates = [header];
  const m = /^(Bearer|Token)\s+(.+)$/i.exec(header.trim());
  if (m) candidates.push(m[2]!);
  const want = createHash('sha256').update(secret).digest();
  let ok = false;
  for (const c of candidates) {
    const got = createHash('sha256').update(c).digest();
    ok = timingSafeEqual(got, want) || ok;
  }
  return ok;
}
