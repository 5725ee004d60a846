// Builds the WWC front-end from the configuration and the core's parts.
import type { Config } from '../../config/options.js';
import type { Admission } from '../../core/admission.js';
import type { ConnectionRegistry } from '../../core/connections.js';
import type { Conversation } from '../../core/conversation.js';
import type { Deliverer } from '../../delivery/deliverer.js';
import type { Logger } from '../../log/logger.js';
import type { MediaService } from '../../core/media.js';
import type { Metrics } from '../../metrics.js';
import type { PlatformTargets } from '../../platform/targets.js';
import { WwcHandlers } from './handlers.js';
import { WwcServer } from './server.js';

export interface WwcParts {
  conversation: Conversation;
  admission: Admission;
  deliverer: Deliverer;
  registry: ConnectionRegistry;
  targets: PlatformTargets;
  metrics: Metrics;
  log: Logger;
  media: MediaService;
}

/** The largest frame a file of MAX_MEDIA_BYTES makes: its base64, the data URL head, MAX_PAYLOAD for the rest. */
export function mediaFrameLimit(maxMediaBytes: number, maxPayload: number): number {
  return maxMediaBytes <= 0 ? 0 : Math.ceil(maxMediaBytes / 3) * 4 + 256 + maxPayload;
}

export function createWwcServer(c: Config, parts: WwcParts): WwcServer {
  const { conversation, admission, deliverer, registry, targets, metrics, log, media } = parts;
  return new WwcServer(
    {
      clientRate: c.clientRate,
      clientBurst: c.clientBurst,
      pingInterval: c.pingInterval,
      pingTimeout: c.pingTimeout,
      maxPayload: c.maxPayload,
      registerTimeout: c.registerTimeout,
      maxMediaFrame: mediaFrameLimit(c.maxMediaBytes, c.maxPayload),
    },
    {
      handlers: new WwcHandlers({ conversation, admission, deliverer, registry, targets, log, defaultLanguage: c.defaultLanguage, media }),
      admission,
      registry,
      deliverer,
      metrics,
      log,
    },
  );
}
