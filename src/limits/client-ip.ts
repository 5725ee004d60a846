import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** Anything that answers "is this address a trusted proxy?" (TrustedProxies, or a Set of exact IPs). */
export interface ProxyCheck {
  has(ip: string): boolean;
}

/**
 * The client's address: the TCP peer, or, when the peer is one of TRUSTED_PROXIES, the last
 * X-Forwarded-For entry that is not itself a trusted proxy. Anyone can write X-Forwarded-For, so
 * it is believed only from proxies the operator named.
 */
export function clientIp(req: IncomingMessage, trustedProxies: ProxyCheck): string {
  const peer = normalize(req.socket.remoteAddress ?? '');
  if (!trustedProxies.has(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const chain = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => normalize(s.trim()))
    .filter(Boolean);
  for (let i = chain.length - 1; i >= 0; i--) if (!trustedProxies.has(chain[i]!)) return chain[i]!;
  return peer;
}

/** "::ffff:127.0.0.1" and "127.0.0.1" are the same client. */
export function normalize(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/**
 * TRUSTED_PROXIES: exact addresses and CIDR ranges, IPv4 and IPv6 (node's net.BlockList), so a
 * Kubernetes ingress or a cloud load balancer (addresses from a subnet) can be trusted as a range.
 */
export class TrustedProxies implements ProxyCheck {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(entries: readonly string[]) {
    for (const e of entries) {
      const { address, prefix, family } = parseProxyEntry(e);
      if (prefix === undefined) this.list.addAddress(address, family);
      else this.list.addSubnet(address, prefix, family);
    }
    this.empty = entries.length === 0;
  }

  has(ip: string): boolean {
    if (this.empty) return false;
    const family = isIP(ip);
    if (family === 0) return false;
    return this.list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** One TRUSTED_PROXIES entry: an address or address/prefix. Throws one clear line otherwise. */
export function parseProxyEntry(raw: string): { address: string; prefix?: number; family: 'ipv4' | 'ipv6' } {
  const entry = raw.trim();
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const v = isIP(address);
  if (v === 0) throw new Error(`${JSON.stringify(raw)} is not an IP address or CIDR range (such as 10.0.0.0/8 or fd00::/8)`);
  const family = v === 4 ? 'ipv4' : 'ipv6';
  if (slash < 0) return { address, family };
  const bits = entry.slice(slash + 1);
  const max = v === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) throw new Error(`${JSON.stringify(raw)}: the prefix length must be 0 to ${max}`);
  return { address, prefix: Number(bits), family };
}

/**
 * The key per-address limits count under: an IPv4 address as it is; an IPv6 address reduced to
 * its first `ipv6PrefixLength` bits (default /64: one subscriber's network, which a client can
 * pick any address in), written as "<8 hex groups>/<len>".
 */
export function limitKey(ip: string, ipv6PrefixLength: number): string {
  if (isIP(ip) !== 6) return ip;
  const groups = ipv6Groups(ip);
  if (groups === null) return ip;
  let bits = ipv6PrefixLength;
  const masked = groups.map((g) => {
    const keep = Math.max(0, Math.min(16, bits));
    bits -= 16;
    return keep === 0 ? 0 : g & (0xffff << (16 - keep)) & 0xffff;
  });
  return `${masked.map((g) => g.toString(16)).join(':')}/${ipv6PrefixLength}`;
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped, embedded IPv4 allowed). */
function ipv6Groups(ip: string): number[] | null {
  let s = ip.split('%')[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    s = s.slice(0, -v4[1]!.length) + ((b[0]! << 8) | b[1]!).toString(16) + ':' + ((b[2]! << 8) | b[3]!).toString(16);
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const all = [...h, ...Array<string>(Math.max(0, fill)).fill('0'), ...t];
  if (all.length !== 8) return null;
  return all.map((g) => parseInt(g, 16));
}
