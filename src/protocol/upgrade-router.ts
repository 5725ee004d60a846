// One port, two wire protocols: WebSocket upgrades on any path ending in `/ws` speak WWC
// (push-webchat 2.x, @weni/webchat-service; "//ws" and "/prefix/ws" included), everything else
// goes to socketcluster-server. socketcluster-server's ws server refuses upgrades for paths
// other than its own with 400, so it is attached to an emitter this router feeds, not to the
// HTTP server itself.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export function isWwcPath(url: string | undefined): boolean {
  const path = (url ?? '/').split('?')[0]!;
  return path.endsWith('/ws');
}

export class UpgradeRouter {
  /** Stands in for the HTTP server towards socketcluster-server (its `upgrade` events). */
  readonly socketcluster = new EventEmitter();
  wwc: UpgradeHandler | undefined;

  constructor(server: Server) {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.wwc && isWwcPath(req.url)) this.wwc(req, socket, head);
      else this.socketcluster.emit('upgrade', req, socket, head);
    });
  }
}
