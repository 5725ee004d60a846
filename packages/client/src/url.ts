/** ws(s)://host/socketcluster/?channelUUID=..&hostApi=.. from the gateway's base URL. */
export function socketUrl(o: { url: string; channelUuid?: string; hostApi?: string }): string {
  const u = new URL(o.url);
  u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  u.pathname = u.pathname.replace(/\/+$/, '') + '/socketcluster/';
  u.search = '';
  if (o.channelUuid) u.searchParams.set('channelUUID', o.channelUuid);
  if (o.hostApi) u.searchParams.set('hostApi', o.hostApi);
  u.hash = '';
  return u.toString();
}

/** The host part of a URL, to scope what the client stores per gateway. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
