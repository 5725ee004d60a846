import { randomBytes } from 'node:crypto';

/** 16 random bytes = 128 bits (22 base64url characters), above the 120 the contract asks for. */
const URN_BYTES = 16;
const SESSION_ID_RE = /^[A-Za-z0-9_.@-]{1,128}$/;

/** A fresh session urn: [A-Za-z0-9_-] only, safe as a courier contact URN path and channel name. */
export function newUrn(): string {
  return randomBytes(URN_BYTES).toString('base64url');
}

/** Ids a page may choose (or a widget stored): the character set courier accepts in an ext: URN. */
export function isValidSessionId(id: unknown): id is string {
  return typeof id === 'string' && SESSION_ID_RE.test(id);
}

/** Gateway-side ids of user messages. */
export function newMessageId(): string {
  return 'in-' + randomBytes(12).toString('base64url');
}
