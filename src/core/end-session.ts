// Ending a session (admin API): everywhere it is stored (its files too), and its connections on
// this process.
import type { Logger } from '../log/logger.js';
import type { WithMedia } from '../store/media-role.js';
import type { SessionStore } from '../store/store.js';
import type { ConnectionRegistry } from './connections.js';

export async function endSession(
  store: Pick<SessionStore, 'deleteSession'> & WithMedia,
  registry: ConnectionRegistry,
  log: Logger,
  urn: string,
): Promise<{ existed: boolean; socketsClosed: number }> {
  const existed = await store.deleteSession(urn);
  await store.media.deleteSession(urn);
  const socketsClosed = registry.kick(urn);
  log.info({ urn, existed, socketsClosed }, 'session ended by the admin API');
  return { existed, socketsClosed };
}
