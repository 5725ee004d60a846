// Platform routing: which connector and which base URL a session's platform calls go to,
// resolved once per call. A session without a platform of its own (hostApi null) and no
// PLATFORM_URL talks to the demo bot; otherwise its base must still be an allowed platform
// (configuration may have changed since the session was created).
import { GatewayError } from '../errors/catalogue.js';
import type { PlatformConnector, PlatformRoute } from '../platform/connector.js';
import type { PlatformTargets } from '../platform/targets.js';
import type { SessionRecord } from '../store/store.js';

export class PlatformRouting {
  constructor(
    private readonly targets: PlatformTargets,
    /** The platform dialect (courier), when a platform is configured. */
    private readonly platform: PlatformConnector | undefined,
    private readonly demoBot: PlatformConnector,
  ) {}

  /** Throws WG_ERR_HOST_NOT_ALLOWED when the session's platform is no longer allowed. */
  route(session: SessionRecord): PlatformRoute {
    const base = session.hostApi ?? this.targets.defaultUrl;
    if (base === undefined) return bind(this.demoBot, session, '');
    if (this.platform === undefined || !this.targets.isAllowed(base)) {
      throw new GatewayError('WG_ERR_HOST_NOT_ALLOWED', `The platform ${base} of this session is no longer allowed.`);
    }
    return bind(this.platform, session, base);
  }
}

function bind(connector: PlatformConnector, session: SessionRecord, base: string): PlatformRoute {
  return {
    forward: (entry) => connector.forward(entry, session, base),
    reportStatus: (kind, message) => connector.reportStatus(kind, message, session, base),
  };
}
