// Builds the WWC front-end from the configuration and the core's parts.
import type { Config } from '../../config/options.js';
import type { Admission } from '../../core/admission.js';
import type { ConnectionRegistry } from '../../core/connections.js';
import type { ConnectionPolicy } from '../../core/connection-policy.js';
import type { Conversation } from '../../core/conversation.js';
import type { TokenBindings } from '../../core/token-bindings.js';
import type { Deliverer } from '../../delivery/deliverer.js';
import type { Logger } from '../../log/logger.js';
import type { Metrics } from '../../metrics.js';
import type { PlatformTargets } from '../../platform/targets.js';
import { WwcHandlers } from './handlers.js';
import { WwcServer } from './server.js';

export interface WwcParts {
  conversation: Conversation;
  policy: ConnectionPolicy;
  tokens: TokenBindings;
  admission: Admission;
  deliverer: Deliverer;
  registry: ConnectionRegistry;
  targets: PlatformTargets;
  metrics: Metrics;
  log: Logger;
}

export function createWwcServer(c: Config, parts: WwcParts): WwcServer {
  const { conversation, policy, tokens, admission, deliverer, registry, targets, metrics, log } = parts;
  return new WwcServer(
    {
      clientRate: c.clientRate,
      clientBurst: c.clientBurst,
      pingInterval: c.pingInterval,
      pingTimeout: c.pingTimeout,
      maxPayload: c.maxPayload,
      registerTimeout: c.registerTimeout,
    },
    {
      handlers: new WwcHandlers({ conversation, policy, tokens, admission, deliverer, registry, targets, log, defaultLanguage: c.defaultLanguage }),
      policy,
      admission,
      registry,
      deliverer,
      metrics,
      log,
    },
  );
}
