import type { IncomingMessage } from 'node:http';

/**
 * The client's address: the TCP peer, or, when the peer is one of TRUSTED_PROXIES, the last
 * X-Forwarded-For entry that is not itself a trusted proxy. Anyone can write X-Forwarded-For, so
 * it is believed only from proxies the operator named.
 */
export function clientIp(req: IncomingMessage, trustedProxies: ReadonlySet<string>): string {
  const peer = normalize(req.socket.remoteAddress ?? '');
  if (!trustedProxies.has(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const chain = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((s) => normalize(s.trim())).filter(Boolean);
  for (let i = chain.length - 1; i >= 0; i--) if (!trustedProxies.has(chain[i]!)) return chain[i]!;
  return peer;
}

/** "::ffff:127.0.0.1" and "127.0.0.1" are the same client. */
export function normalize(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
