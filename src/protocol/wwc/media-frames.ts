// The `ack` frame (../shared/docs/wwc-protocol.md §3): push-webchat draws the visitor's own file
// bubble only from it, with the URL the file is served at.
import type { Upload } from '../../core/media.js';

export function ackFrame(to: string, upload: Upload): string {
  const { record, url } = upload;
  return JSON.stringify({
    type: 'ack',
    to,
    from: 'socket',
    message: {
      type: record.kind,
      timestamp: String(Math.floor(record.createdAt / 1000)),
      media_url: url,
      ...(record.caption !== undefined ? { caption: record.caption } : {}),
    },
  });
}
