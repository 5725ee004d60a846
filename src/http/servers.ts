// The HTTP(S) listeners: the public port (HTTP, the webhook, WebSocket upgrades; HTTPS and wss://
// with TLS_CERT/TLS_KEY) and, with INTERNAL_PORT, the internal one (metrics, health, admin).
import { readFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/options.js';
import { listenFailure } from '../errors/startup.js';

function listen(server: HttpServer, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export class HttpServers {
  readonly public: HttpServer;
  /** INTERNAL_PORT's server, when set. */
  readonly internal: HttpServer | undefined;
  private idleSweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly c: Config,
    publicHandler: RequestListener,
    internalHandler: RequestListener | undefined,
  ) {
    this.public =
      c.tlsCert !== undefined && c.tlsKey !== undefined
        ? createTlsServer({ cert: readFileSync(c.tlsCert), key: readFileSync(c.tlsKey) }, publicHandler)
        : createServer(publicHandler);
    this.public.keepAliveTimeout = 65_000;
    this.internal = internalHandler ? createServer(internalHandler) : undefined;
  }

  /** Binds both ports; a failure names the option to change. */
  async listen(): Promise<void> {
    const c = this.c;
    await listen(this.public, c.port, c.host).catch((err: unknown) => {
      throw listenFailure('PORT', 'HOST', c.host, c.port, err);
    });
    if (this.internal && c.internalPort !== undefined) {
      const host = c.internalHost ?? c.host;
      const port = c.internalPort;
      await listen(this.internal, port, host).catch((err: unknown) => {
        throw listenFailure('INTERNAL_PORT', c.internalHost ? 'INTERNAL_HOST' : 'HOST', host, port, err);
      });
    }
  }

  get port(): number {
    return (this.public.address() as AddressInfo).port;
  }

  get internalPort(): number | undefined {
    return this.internal ? (this.internal.address() as AddressInfo).port : undefined;
  }

  /** Stops accepting: the internal port at once, the public one once its requests are answered (resolves then). */
  beginClose(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.public.close(() => resolve()));
    this.internal?.close();
    this.internal?.closeAllConnections();
    // Keep-alive connections that fall idle after answering their last request would hold
    // close() until their keep-alive timeout: drop each one as soon as it is idle.
    this.idleSweep = setInterval(() => this.public.closeIdleConnections(), 50);
    this.public.closeIdleConnections();
    return closed;
  }

  /** Past the grace period: cut what is left. */
  closeAll(): void {
    clearInterval(this.idleSweep);
    this.public.closeAllConnections();
  }

  /** A start that failed: release the ports. */
  abort(): void {
    this.public.close();
    this.internal?.close();
  }
}
