// One HTTP call to the platform and what its answer means for the outbox: 2xx accepted;
// network errors, timeouts, 408, 429 and 5xx retried (429's Retry-After honoured); other 4xx and
// redirects (never followed) rejected. Shared by the courier dialects.
import { Agent, request } from 'undici';
import type { ForwardResult } from './connector.js';

/** Parses Retry-After (seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** One keep-alive pool for a dialect's platform calls; redirects are never followed. */
export function platformAgent(timeout: number): Agent {
  return new Agent({ connections: 64, headersTimeout: timeout, bodyTimeout: timeout, connectTimeout: timeout });
}

export async function postToPlatform(agent: Agent, url: string, contentType: string, body: string, timeout: number): Promise<ForwardResult> {
  try {
    const res = await request(url, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': contentType },
      body,
      signal: AbortSignal.timeout(timeout),
    });
    // Drain the body so the connection returns to the pool.
    await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
    const status = res.statusCode;
    if (status >= 200 && status < 300) return { outcome: 'accepted' };
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      return { outcome: 'retry', reason: `HTTP ${status}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    if (status >= 300 && status < 400) return { outcome: 'rejected', reason: `HTTP ${status}: redirects are not followed` };
    return { outcome: 'rejected', reason: `HTTP ${status}` };
  } catch (err) {
    return { outcome: 'retry', reason: `network: ${(err as Error).message}` };
  }
}
