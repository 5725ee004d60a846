// The media role of the store: files visitors upload, kept beside their messages in the same
// backend (memory, SQLite, Redis) and expiring with the message retention. Each backend implements
// it in its own folder (src/store/<backend>/media.ts); all pass test/store/media-contract.ts.
//
// A media item belongs to one user message (`messageId`): the outbox, history and GET /media find
// it from there. Bytes are stored as given and served back unchanged.

export interface MediaRecord {
  /** At least 120 random bits, URL-safe (see newMediaId). */
  id: string;
  urn: string;
  /** The user message that carries it. */
  messageId: string;
  kind: 'image' | 'video' | 'audio' | 'file';
  contentType: string;
  filename: string;
  size: number;
  /** The message's caption, if any. */
  caption?: string;
  createdAt: number;
}

export interface MediaUsage {
  items: number;
  bytes: number;
}

export interface MediaStore {
  init(): Promise<void>;
  close(): Promise<void>;
  /** Stores the bytes under record.id (durable when it resolves). */
  put(record: MediaRecord, bytes: Buffer): Promise<void>;
  get(id: string): Promise<{ record: MediaRecord; bytes: Buffer } | null>;
  /** Only the record (for history and the outbox), or null. */
  head(id: string): Promise<MediaRecord | null>;
  /** The records of these messages of the session that carry media, by message id. */
  forMessages(urn: string, messageIds: readonly string[]): Promise<Map<string, MediaRecord>>;
  /** Bytes the session stored since `since` (ms): the MEDIA_BYTES_PER_HOUR budget. */
  bytesSince(urn: string, since: number): Promise<number>;
  usage(): Promise<MediaUsage>;
  /** Deletes media created before `cutoff`; returns how many went. */
  prune(cutoff: number): Promise<number>;
  /** Deletes one item (an upload whose message turned out to be a repeat); false if it was not there. */
  delete(id: string): Promise<boolean>;
  /** Deletes all media of a session (admin end-session). */
  deleteSession(urn: string): Promise<number>;
}

export type WithMedia = { readonly media: MediaStore };
