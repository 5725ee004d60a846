// Ids the gateway makes up: session urns (random, unguessable) and ids of messages (unique, not
// secret: a random prefix per process and a counter, since a CSPRNG call per message cost about
// 4 % of the widget -> platform path).
import { randomBytes } from 'node:crypto';

/** 16 random bytes = 128 bits (22 base64url characters), above the 120 the contract asks for. */
const URN_BYTES = 16;

/** The characters and length of a session id a page may choose (what courier accepts in an ext: URN). */
export const SESSION_ID_CHARS = 'A-Za-z0-9_.@-';
export const SESSION_ID_MAX_LENGTH = 128;
const SESSION_ID_RE = new RegExp(`^[${SESSION_ID_CHARS}]{1,${SESSION_ID_MAX_LENGTH}}$`);

/** A fresh session urn: [A-Za-z0-9_-] only, safe as a courier contact URN path and channel name. */
export function newUrn(): string {
  return randomBytes(URN_BYTES).toString('base64url');
}

/** Ids a page may choose (or a widget stored). */
export function isValidSessionId(id: unknown): id is string {
  return typeof id === 'string' && SESSION_ID_RE.test(id);
}

/** Ids `<kind>-<random per process>-<counter>`: unique across processes and restarts. */
export function idSequence(kind: string): () => string {
  const prefix = `${kind}-${randomBytes(9).toString('base64url')}-`;
  let counter = 0;
  return () => prefix + (++counter).toString(36);
}

/** Gateway-side ids of user messages. */
export const newMessageId = idSequence('in');
