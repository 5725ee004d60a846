// Graceful shutdown of the SocketCluster side.
import type { AGServer } from 'socketcluster-server';
import { CLOSE_GRACE, CLOSE_SERVICE_RESTART } from '../../core/connections.js';
import type { Connection } from './connection.js';

/**
 * Stops accepting; closes every socket with a code that makes clients reconnect elsewhere.
 * A peer that does not answer the close (frozen tab, vanished network) is cut after
 * CLOSE_GRACE instead of holding the shutdown for ws's 30 s close timeout.
 */
export async function closeAll(server: AGServer, connections: Iterable<Connection>): Promise<void> {
  // keepSocketsOpen: socketcluster-server would terminate them (1006); we close them with 1012.
  // socketcluster-server forgets a socket as soon as it is asked to close it, so the ws
  // sockets are collected first to see which ones really closed.
  const wsSockets = [...Object.values(server.clients), ...Object.values(server.pendingClients)].map((c) => c.socket);
  const closing = server.close(true);
  for (const conn of connections) {
    conn.keepalive.stop();
    conn.socket.disconnect(CLOSE_SERVICE_RESTART, 'server restarting');
  }
  for (const client of Object.values(server.pendingClients)) client.disconnect(CLOSE_SERVICE_RESTART, 'server restarting');
  const deadline = Date.now() + CLOSE_GRACE;
  while (wsSockets.some((ws) => ws.readyState !== ws.CLOSED) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  for (const ws of wsSockets) if (ws.readyState !== ws.CLOSED) ws.terminate();
  await closing;
}
