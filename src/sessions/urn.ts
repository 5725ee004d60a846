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

// Ids of user messages: unique, not secret (they are shown to the session's owner only). A
// random prefix per process and a counter: a CSPRNG call per message cost about 4 % of the
// widget -> platform path.
const MESSAGE_ID_PREFIX = 'in-' + randomBytes(9).toString('base64url') + '-';
let messageCounter = 0;

/** Gateway-side ids of user messages, unique across processes and restarts. */
export function newMessageId(): string {
  return MESSAGE_ID_PREFIX + (++messageCounter).toString(36);
}
