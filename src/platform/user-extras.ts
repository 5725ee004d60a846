// What a user message carries beside its text, stored with it (StoredMessage.payload) so that a
// retry after a restart still carries it: the WWC widgets' `context` and contact fields
// (`message_with_fields` data, earlier `set_custom_field` values). Each courier dialect forwards
// what its channel can take (docs/wwc.md, "Context and contact fields").
import type { OutboxEntry } from '../store/store.js';

export interface UserExtras {
  /** Free text the page attached (webchat-service's setContext); non-empty when present. */
  context?: string | undefined;
  /** Contact fields to set on the platform's contact, values as strings. */
  contactFields?: Record<string, string>;
}

/** The payload keys appendInbound stores for the extras (the only ones besides clientMessageId). */
export function extrasPayload(extras: UserExtras): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  if (extras.context) out['context'] = extras.context;
  if (extras.contactFields && Object.keys(extras.contactFields).length > 0) out['contactFields'] = extras.contactFields;
  return Object.keys(out).length > 0 ? out : undefined;
}

export function extrasOf(entry: OutboxEntry): UserExtras {
  const p = entry.payload ?? {};
  const out: UserExtras = {};
  if (typeof p['context'] === 'string' && p['context'] !== '') out.context = p['context'];
  const fields = p['contactFields'];
  if (fields !== null && typeof fields === 'object' && !Array.isArray(fields)) {
    const strings = Object.entries(fields).filter((kv): kv is [string, string] => typeof kv[1] === 'string');
    if (strings.length > 0) out.contactFields = Object.fromEntries(strings);
  }
  return out;
}

/**
 * The text as weni-webchat-socket forwards it: a non-empty context is appended as
 * `<text>; Context: <context>` (courier's channels have no field for it; the bot reads it from
 * the text). History keeps the text as the visitor wrote it.
 */
export function textWithContext(text: string, context: string | undefined): string {
  return context ? `${text}; Context: ${context}` : text;
}
