// How a message's files show in its bubble: images inline, audio and video with controls, other
// files as a download link. Only http(s) URLs are used (the client filters the rest), and never
// as HTML: elements are built and their URL set as an attribute.
import type { Attachment } from '../../client/src/index.js';

export const ACCEPT = 'image/png,image/jpeg,image/gif,image/webp,audio/mpeg,audio/wav,audio/ogg,audio/mp4,video/mp4,video/webm,application/pdf';

export function renderAttachments(doc: Document, attachments: readonly Attachment[], downloadLabel: string): HTMLElement {
  const box = doc.createElement('div');
  box.className = 'files';
  for (const a of attachments) {
    if (a.type === 'image') {
      const link = doc.createElement('a');
      link.href = a.url;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      const img = doc.createElement('img');
      img.src = a.url;
      img.alt = '';
      img.loading = 'lazy';
      img.className = 'file-image';
      link.append(img);
      box.append(link);
    } else if (a.type === 'audio' || a.type === 'video') {
      const media = doc.createElement(a.type);
      media.controls = true;
      media.preload = 'metadata';
      media.src = a.url;
      media.className = `file-${a.type}`;
      box.append(media);
    } else {
      const link = doc.createElement('a');
      link.href = a.url;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      link.className = 'file-link';
      link.textContent = `${decodeURIComponent(a.url.split('/').pop() ?? '') || downloadLabel}`;
      box.append(link);
    }
  }
  return box;
}

/**
 * The text to show beside the files: without the lines that are only one of the files' URLs.
 * Courier's External channel puts each file's URL on a line of its own after the text (the
 * gateway gives them as attachments too); the bubble shows the file, so the bare URL goes.
 */
export function textBesideFiles(text: string, attachments: readonly Attachment[] | undefined): string {
  if (!attachments?.length) return text;
  const urls = new Set(attachments.map((a) => a.url));
  const kept = text.split('\n').filter((line) => !urls.has(line.trim()));
  return kept.join('\n').trimEnd();
}
