/**
 * Reads the WebSocket URL's query leniently: socketcluster-client 9.x does not URL-encode query
 * values, so `hostApi=https://x.org/a?b` arrives raw. Each `&`-separated part is split at its
 * first `=`, and decoded only where decoding works.
 */
export function parseConnectionQuery(url: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!url) return out;
  const q = url.indexOf('?');
  if (q === -1) return out;
  for (const part of url.slice(q + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = safeDecode(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? '' : safeDecode(part.slice(eq + 1));
    if (key !== '' && !(key in out)) out[key] = value;
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s;
  }
}
