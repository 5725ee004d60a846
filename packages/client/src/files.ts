// Files from the visitor: read as a data URL and sent with sendMessageToChannel {userUrn, media,
// text?}; the gateway answers {id, seq, media_url}. Files are not kept in the outbox (storage is
// small): a file is sent while online or refused at once, with the gateway's error code.
export interface Attachment {
  /** image | audio | video | file */
  type: string;
  url: string;
}

/** SocketCluster frames stay within the gateway's MAX_PAYLOAD (64 KiB by default): base64 grows a file by a third. */
export const DEFAULT_MAX_FILE_BYTES = 46 * 1024;

export class FileError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function readAsDataUrl(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    // readAsDataURL always yields a string; anything else means the read did not happen.
    reader.onload = () =>
      typeof reader.result === 'string' ? resolve(reader.result) : reject(new FileError('WG_CLIENT_FILE_UNREADABLE', 'the file could not be read'));
    reader.onerror = () => reject(new FileError('WG_CLIENT_FILE_UNREADABLE', 'the file could not be read'));
    reader.readAsDataURL(file);
  });
}

export function kindOf(contentType: string): string {
  const m = /^(image|audio|video)\//.exec(contentType);
  return m ? m[1]! : 'file';
}

/** Attachments of a wire message, keeping only http(s) URLs. */
export function attachmentsOf(raw: unknown): Attachment[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const out = raw.filter(
    (a): a is Attachment =>
      a !== null && typeof a === 'object' && typeof (a as Attachment).type === 'string' && /^https?:\/\//i.test(String((a as Attachment).url)),
  );
  return out.length > 0 ? out.map((a) => ({ type: a.type, url: a.url })) : undefined;
}
