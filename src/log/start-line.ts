// The one human line an operator reads first: where to point a browser, and what runs.
import type { Config } from '../config/options.js';
import { redactUrl } from '../errors/startup.js';
import { VERSION } from '../version.js';

function hostOf(h: string): string {
  return h === '0.0.0.0' || h === '::' ? 'localhost' : h.includes(':') ? `[${h}]` : h;
}

/** The start line's fields and message, for the bound ports. */
export function startLine(c: Config, port: number, internalPort: number | undefined): { fields: Record<string, unknown>; msg: string } {
  const wildcard = c.host === '0.0.0.0' || c.host === '::';
  const store = redactUrl(c.storeUrl);
  const platform = c.platformUrl ?? 'demo bot';
  const internal = internalPort !== undefined ? `, metrics and /admin/ on http://${hostOf(c.internalHost ?? c.host)}:${internalPort}/` : '';
  return {
    fields: {
      version: VERSION,
      // Since the process started (module loading included).
      startupMs: Math.round(performance.now()),
      port,
      host: c.host,
      internalPort,
      store,
      platform,
      platformHosts: c.platformHosts,
      channelType: 'EX',
      webhook: c.webhookToken ? 'enabled' : 'disabled (no WEBHOOK_TOKEN)',
      admin: c.adminToken ? 'enabled' : 'disabled (no ADMIN_TOKEN)',
    },
    msg: `webchat-gateway listening on http://${hostOf(c.host)}:${port}/${wildcard ? ' (all interfaces)' : ''}: version ${VERSION}, store ${store}, platform ${platform}, channel type EX${internal}`,
  };
}
