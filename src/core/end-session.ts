// Ending a session (admin API): everywhere it is stored, and its connections on this process.
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/store.js';
import type { ConnectionRegistry } from './connections.js';

export async function endSession(store: Store, registry: ConnectionRegistry, log: Logger, urn: string): Promise<{ existed: boolean; socketsClosed: number }> {
  const existed = await store.deleteSession(urn);
  const socketsClosed = registry.kick(urn);
  log.info({ urn, existed, socketsClosed }, 'session ended by the admin API');
  return { existed, socketsClosed };
}
