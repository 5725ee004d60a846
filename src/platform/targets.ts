import { parsePlatformUrl } from '../config/validators.js';
import { GatewayError } from '../errors/catalogue.js';

/**
 * The platforms a widget may name. A widget's `hostApi` only selects one of the configured base
 * URLs by origin; the URL the gateway calls always comes from configuration, so a client can
 * never make the gateway call a host (or a path) of its choosing.
 */
export class PlatformTargets {
  private readonly byOrigin = new Map<string, string>();

  constructor(
    readonly defaultUrl: string | undefined,
    hosts: readonly string[],
  ) {
    for (const base of [...hosts].reverse()) this.byOrigin.set(new URL(base).origin, base);
    if (defaultUrl !== undefined) this.byOrigin.set(new URL(defaultUrl).origin, defaultUrl);
  }

  /**
   * Maps a widget-supplied hostApi to the configured base URL, or null for "the default
   * platform" when the widget named none. Throws WG_ERR_HOST_NOT_ALLOWED otherwise.
   */
  resolve(hostApi: string | undefined | null): string | null {
    if (hostApi === undefined || hostApi === null || hostApi === '') return null;
    let origin: string;
    try {
      origin = new URL(parsePlatformUrl(hostApi)).origin;
    } catch {
      throw new GatewayError('WG_ERR_HOST_NOT_ALLOWED', `hostApi ${JSON.stringify(hostApi.slice(0, 200))} is not a valid platform URL.`);
    }
    const base = this.byOrigin.get(origin);
    if (base === undefined) {
      throw new GatewayError('WG_ERR_HOST_NOT_ALLOWED', `hostApi ${origin} is not an allowed platform; the operator must add it to PLATFORM_HOSTS.`);
    }
    // Naming the default platform explicitly is the same as naming none.
    return base === this.defaultUrl ? null : base;
  }

  /** Still allowed now? Configuration may have changed since the session was created. */
  isAllowed(base: string): boolean {
    return this.byOrigin.get(new URL(base).origin) === base;
  }
}
