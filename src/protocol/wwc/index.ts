// Builds the WWC front-end from the configuration and the core's parts.
import type { Config } from '../../config/options.js';
import type { Metrics } from '../../metrics.js';
import { WwcHandlers, type WwcHandlerDeps } from './handlers.js';
import { WwcServer } from './server.js';

/** The core's parts the front-end uses (the handlers' and the server's). */
export interface WwcParts extends Omit<WwcHandlerDeps, 'defaultLanguage'> {
  metrics: Metrics;
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
