// Contact fields a visitor's page sets for the platform's contact (the WWC widgets'
// `set_custom_field`, and the `data` of `message_with_fields`). Courier's channels take contact
// fields only beside a message (WWC: `contact_fields`), so fields set between messages wait in
// the store with the session (a session value, deleted with it) and go with the visitor's next
// message, stored in that message's payload so a retry after a restart still carries them.
import type { SessionStore } from '../store/store.js';

export const PENDING_CONTACT_FIELDS = 'contact-fields';
export const MAX_CONTACT_FIELDS = 100;
export const MAX_FIELD_KEY = 128;
/** RapidPro's limit for a contact field's value. */
export const MAX_FIELD_VALUE = 640;

export type FieldMap = Record<string, string>;

function parse(raw: string | null): FieldMap {
  if (raw === null) return {};
  try {
    const v: unknown = JSON.parse(raw);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as FieldMap) : {};
  } catch {
    return {};
  }
}

export class ContactFields {
  constructor(private readonly store: SessionStore) {}

  /** Keeps fields for the session's next user message (later values of a key win). */
  async remember(urn: string, fields: FieldMap): Promise<void> {
    const merged = { ...parse(await this.store.getSessionValue(urn, PENDING_CONTACT_FIELDS)), ...fields };
    if (Object.keys(merged).length > MAX_CONTACT_FIELDS) throw new RangeError(`at most ${MAX_CONTACT_FIELDS} contact fields may wait for the next message`);
    await this.store.putSessionValue(urn, PENDING_CONTACT_FIELDS, JSON.stringify(merged));
  }

  /**
   * The fields a user message carries now: those waiting, overlaid with the message's own. Call
   * `sent` once the message is stored, to drop the waiting ones (unless more came meanwhile).
   */
  async forMessage(urn: string, own: FieldMap | undefined): Promise<{ fields: FieldMap | undefined; sent: () => Promise<void> }> {
    const raw = await this.store.getSessionValue(urn, PENDING_CONTACT_FIELDS);
    const fields = { ...parse(raw), ...own };
    return {
      fields: Object.keys(fields).length > 0 ? fields : undefined,
      sent: async () => {
        if (raw !== null) await this.store.clearSessionValue(urn, PENDING_CONTACT_FIELDS, raw);
      },
    };
  }
}
