/**
 * ALLOWED_ORIGINS: exact origins ("https://shop.example.org") or wildcard subdomains
 * ("https://*.example.org", which does not match example.org itself). Empty = all origins.
 */
export class OriginPolicy {
  private readonly exact = new Set<string>();
  private readonly suffixes: Array<{ scheme: string; suffix: string; port: string }> = [];

  constructor(patterns: readonly string[]) {
    for (const p of patterns) {
      const m = /^(https?):\/\/\*\.([^/:]+)(?::(\d+))?$/.exec(p);
      if (m) this.suffixes.push({ scheme: m[1]!, suffix: '.' + m[2]!.toLowerCase(), port: m[3] ?? '' });
      else this.exact.add(new URL(p).origin);
    }
  }

  get allowsAll(): boolean {
    return this.exact.size === 0 && this.suffixes.length === 0;
  }

  allows(origin: string | undefined): boolean {
    if (this.allowsAll) return true;
    if (!origin || origin === 'null') return false;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (this.exact.has(url.origin)) return true;
    const scheme = url.protocol.slice(0, -1);
    return this.suffixes.some((s) => s.scheme === scheme && s.port === url.port && url.hostname.endsWith(s.suffix));
  }
}

/** Validates one ALLOWED_ORIGINS entry (for the option parser). */
export function parseOriginPattern(raw: string): string {
  const v = raw.trim().replace(/\/+$/, '');
  if (/^(https?):\/\/\*\.[A-Za-z0-9.-]+(?::\d+)?$/.test(v)) return v.toLowerCase();
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new Error(`expected origins such as https://shop.example.org or https://*.example.org, got ${JSON.stringify(raw)}`);
  }
  if (url.origin === 'null' || url.pathname !== '/' || url.search) throw new Error(`${JSON.stringify(raw)} is not an origin (scheme://host[:port])`);
  return url.origin;
}
