// The one mapping from a failed store write to the catalogue error a client is answered with.
import { GatewayError, isGatewayError } from '../errors/catalogue.js';
import type { Logger } from '../log/logger.js';
import { UnknownSessionError } from '../store/store.js';

/**
 * A write for session `urn` failed: no such session (WG_ERR_UNKNOWN_SESSION, with `unknownDetail`
 * when given), a catalogue error of the store's own (e.g. WG_ERR_NOT_REPLICATED), or anything
 * else, logged as "could not store <what>" and answered WG_ERR_STORE_UNAVAILABLE.
 */
export function storeWriteError(err: unknown, log: Logger, what: string, urn: string, unknownDetail?: string): GatewayError {
  if (err instanceof UnknownSessionError) return new GatewayError('WG_ERR_UNKNOWN_SESSION', unknownDetail);
  if (isGatewayError(err)) return err;
  log.error({ err, urn }, `could not store ${what}`);
  return new GatewayError('WG_ERR_STORE_UNAVAILABLE');
}
