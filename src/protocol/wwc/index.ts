// Builds the WWC front-end from the configuration and the core's parts.
import type { Config } from '../../config/options.js';
import type { Metrics } from '../../metrics.js';
import { WwcHandlers, type WwcHandlerDeps } from './handlers.js';
import { WwcServer } from './server.js';

/** The core's parts the front-end uses (the handlers' and the server's). */
export interface WwcParts extends Omit<WwcHandlerDeps, 'defaultLanguage'> {
  metrics: Metrics;
}

/** The largest frame a file of MAX_MEDIA_BYTES makes: its base64, the data URL head, MAX_PAYLOAD for the rest. */
export function mediaFrameLimit(maxMediaBytes: number, maxPayload: number): number {
  return maxMediaBytes <= 0 ? 0 : Math.ceil(maxMediaBytes / 3) * 4 + 256 + maxPayload;
}

export function createWwcServer(c: Config, parts: WwcParts): WwcServer {
  const { policy, admission, deliverer, registry, metrics, log } = parts;
  return new WwcServer(
    {
      clientRate: c.clientRate,
      clientBurst: c.clientBurst,
      pingInterval: c.pingInterval,
      pingTimeout: c.pingTimeout,
      maxPayload: c.maxPayload,
      maxMediaFrame: mediaFrameLimit(c.maxMediaBytes, c.maxPayload),
    },
    {
      handlers: new WwcHandlers({ ...parts, defaultLanguage: c.defaultLanguage }),
      policy,
      admission,
      registry,
      deliverer,
      metrics,
      log,
    },
  );
}
