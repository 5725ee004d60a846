// Message text to DOM: links become <a>, everything else stays text. Nothing from a message is
// ever parsed as HTML.

const URL_PATTERN = /\b(?:https?:\/\/|www\.)[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

export function linkify(doc: Document, text: string): DocumentFragment {
  const frag = doc.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let url = match[0];
    const trail = TRAILING.exec(url)?.[0] ?? '';
    url = url.slice(0, url.length - trail.length);
    const start = match.index ?? 0;
    if (start > last) frag.append(doc.createTextNode(text.slice(last, start)));
    const href = /^www\./i.test(url) ? `https://${url}` : url;
    const a = doc.createElement('a');
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer nofollow';
    a.textContent = url;
    frag.append(a);
    last = start + url.length;
  }
  if (last < text.length) frag.append(doc.createTextNode(text.slice(last)));
  return frag;
}
