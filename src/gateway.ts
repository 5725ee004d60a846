// The composition root, second half: starts and stops the parts compose.ts builds, and is what
// the CLI and the tests hold. What the parts do lives in src/core and the part folders.
import { RateWindow } from './admin/rate-window.js';
import type { AdminService } from './admin/service.js';
import { compose, statusCallbacksApply, type Parts } from './compose.js';
import type { Config } from './config/options.js';
import { ConnectionRegistry } from './core/connections.js';
import { mediaStartWarning } from './core/media.js';
import { startLine } from './log/start-line.js';
import { createLogger, type Logger } from './log/logger.js';
import { Metrics } from './metrics.js';
import type { PlatformMessage } from './platform/normalize.js';
import type { SocketServer } from './protocol/socketcluster/server.js';
import type { AdminStore } from './store/admin-store.js';
import type { WithMedia } from './store/media-role.js';
import type { Store, StoredMessage } from './store/store.js';

export interface GatewayOptions {
  config: Config;
  log?: Logger;
}

export class Gateway {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics = new Metrics();
  private readonly registry = new ConnectionRegistry();
  /** Messages per minute each way, for /admin/. */
  private readonly rates = { in: new RateWindow(), out: new RateWindow() };
  private readonly startedAt = Date.now();
  private parts: Parts | undefined;
  private shuttingDown = false;
  private stopped: Promise<void> | undefined;

  constructor(options: GatewayOptions) {
    this.config = options.config;
    this.log = options.log ?? createLogger(options.config.logLevel);
  }

  private get live(): Parts {
    if (!this.parts) throw new Error('the gateway is not started');
    return this.parts;
  }

  get store(): Store & AdminStore & WithMedia {
    return this.live.store;
  }

  get admin(): AdminService {
    return this.live.admin;
  }

  /** The port actually bound (useful with PORT=0). */
  get port(): number {
    return this.live.http.port;
  }

  get url(): string {
    return `${this.config.tlsCert !== undefined ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  /** INTERNAL_PORT's bound port, when set. */
  get internalPort(): number | undefined {
    return this.live.http.internalPort;
  }

  /** Live connections and delivery subscriptions on this process (leak checks in tests). */
  stats(): { connections: number; socketcluster: number; wwc: number; subscriptions: number } {
    const { sockets, wwc, deliverer } = this.live;
    return { connections: this.registry.size, socketcluster: sockets.connectionCount, wwc: wwc.connectionCount, subscriptions: deliverer.size };
  }

  /** The connections subscribed to a session on this process. */
  subscriberIds(urn: string): string[] {
    return this.live.deliverer.subscriberIds(urn);
  }

  /** The SocketCluster front-end: its server (clients by id) and the sockets it keeps a Connection for. */
  get socketcluster(): { server: SocketServer['server']; connectionIds(): string[] } {
    return this.live.sockets;
  }

  /** A platform message for a widget (the webhook and the demo bot come here too). */
  ingestPlatformMessage(m: PlatformMessage): Promise<{ message: StoredMessage; duplicate: boolean }> {
    return this.live.ingest.message(m);
  }

  /** STATUS_CALLBACKS: report `failed` for platform messages nobody received within DELIVERY_MAX_AGE. */
  reportExpired(): Promise<number> {
    return this.live.maintenance.reportExpired();
  }

  async start(): Promise<void> {
    const parts = await compose({
      config: this.config,
      log: this.log,
      metrics: this.metrics,
      registry: this.registry,
      rates: this.rates,
      startedAt: this.startedAt,
      isShuttingDown: () => this.shuttingDown,
    });
    try {
      await parts.http.listen();
    } catch (err) {
      // Release what was taken, so the process can exit.
      this.shuttingDown = true;
      parts.http.abort();
      await parts.sockets.close().catch(() => {});
      await parts.courier?.close().catch(() => {});
      await parts.fanout.close().catch(() => {});
      await parts.store.close().catch(() => {});
      throw err;
    }
    this.parts = parts;
    parts.outbox.start();
    parts.maintenance.start();
    this.logStartLine();
  }

  /** The one human line an operator reads first: where to point a browser, and what runs. */
  private logStartLine(): void {
    const { fields, msg } = startLine(this.config, this.port, this.internalPort);
    this.log.info(fields, msg);
    if (this.config.statusCallbacks && !statusCallbacksApply(this.config)) {
      this.log.warn(
        "STATUS_CALLBACKS is ignored with PLATFORM_CHANNEL_TYPE=wwc: courier's WWC channel has no status endpoint (it marks a message sent when /send answers 2xx)",
      );
    }
    // After the start line, so a start that fails prints nothing but its one line.
    if (this.config.allowedOrigins.length === 0) this.log.warn('ALLOWED_ORIGINS is not set: pages of any origin may open chat sockets');
    const media = mediaStartWarning(this.config, this.port);
    if (media !== undefined) this.log.warn(media);
  }

  /**
   * Graceful stop: refuse new webhooks and connections, close sockets with a reconnect code,
   * let platform calls in flight finish, close the store. Bounded by SHUTDOWN_TIMEOUT.
   */
  stop(): Promise<void> {
    this.stopped ??= this.doStop();
    return this.stopped;
  }

  private async doStop(): Promise<void> {
    const p = this.live;
    this.shuttingDown = true;
    p.maintenance.stop();
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, this.config.shutdownTimeout).unref());
    const httpClosed = p.http.beginClose();
    const graceful = (async () => {
      await Promise.all([p.sockets.close(), p.wwc.close()]).catch((err: unknown) => this.log.warn({ err }, 'closing sockets failed'));
      p.demoBot.close();
      await p.outbox.stop();
      await httpClosed;
      // No more proofs or webhooks: send the reports still waiting for STATUS_DELAY.
      await p.statusReports?.drained();
    })();
    await Promise.race([graceful, deadline]);
    p.statusReports?.stop();
    p.http.closeAll();
    await p.courier?.close().catch(() => {});
    await p.fanout.close();
    await p.limits.close();
    await p.store.close();
    this.log.info('webchat-gateway stopped');
  }
}
