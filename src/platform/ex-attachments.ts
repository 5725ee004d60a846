// Courier's External (EX) sender has no field for attachments: it appends each attachment's URL to
// the text, one per line (handlers.GetTextAndAttachments: `text + "\n" + url` per attachment; its
// send body variables are only id, text, to, from, channel, quick_replies...). Measured with the
// real courier in test/courier/courier-media.test.ts. SocketCluster widgets read files from
// `attachments: [{type, url}]`, so the text's last lines that are each one http(s) URL of a file
// (a known extension: mailroom's attachment URLs end with one) are also given as attachments, in
// order. The text stays as courier sent it, so a widget that reads no attachments still shows the
// links. A bot's own link to a page (no file extension) stays text only.
import type { MediaKind } from '../core/media-check.js';

const KIND_BY_EXT: Record<string, MediaKind> = {};
const kinds: Array<[MediaKind, string]> = [
  ['image', 'png jpg jpeg gif webp'],
  ['audio', 'mp3 wav aac m4a ogg oga opus amr'],
  ['video', 'mp4 mov webm ogv 3gp'],
  ['file', 'pdf zip doc docx xls xlsx ppt pptx txt csv'],
];
for (const [kind, exts] of kinds) for (const ext of exts.split(' ')) KIND_BY_EXT[ext] = kind;

/** The kind of file an attachment URL points at, by its path's extension; undefined when not a file URL. */
function fileKind(line: string): MediaKind | undefined {
  if (!/^https?:\/\/\S+$/.test(line)) return undefined;
  let path: string;
  try {
    path = new URL(line).pathname;
  } catch {
    return undefined;
  }
  const ext = /\.([a-z0-9]{1,5})$/i.exec(path)?.[1]?.toLowerCase();
  return ext === undefined ? undefined : KIND_BY_EXT[ext];
}

/** The attachments courier's EX sender appended to a text (its trailing file-URL lines), oldest first. */
export function attachmentsInText(text: string): Array<{ type: MediaKind; url: string }> {
  const lines = text.split('\n');
  const found: Array<{ type: MediaKind; url: string }> = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    const type = fileKind(line);
    if (!type) break;
    found.unshift({ type, url: line });
  }
  return found;
}
