import { hash, timingSafeEqual } from 'node:crypto';

const SCHEME = /^\s*(?:Bearer|Token)\s+(.+?)\s*$/i;

/** The credential in an Authorization value: what follows "Bearer " or "Token ", else all of it. */
function credential(value: string): string {
  return SCHEME.exec(value)?.[1] ?? value;
}

// Each secret's digest, computed once rather than once per request (the configured secrets:
// webhook and admin token).
const digests = new Map<string, Buffer>();
function digestOf(secret: string): Buffer {
  let digest = digests.get(secret);
  if (digest === undefined) digests.set(secret, (digest = hash('sha256', credential(secret), 'buffer')));
  return digest;
}

/**
 * Does the Authorization header carry `secret`, verbatim or after "Bearer " / "Token " (on
 * either side: a secret configured as "Token abc" matches a header "Token abc" or "abc")?
 * The credential is hashed first so the comparison takes the same time whatever its length.
 * One crypto.hash call per request: this runs on every webhook.
 */
export function authorizationMatches(header: string | undefined, secret: string): boolean {
  if (header === undefined) return false;
  return timingSafeEqual(hash('sha256', credential(header), 'buffer'), digestOf(secret));
}
