// The composition root: builds every part from the configuration, wires them together, and owns
// start-up and graceful shutdown. Nothing else knows which store or platform dialect is in use;
// what the parts do lives in src/core (and the part folders), not here.
import { randomBytes } from 'node:crypto';
import type { Config } from './config/options.js';
import { AdminService } from './admin/service.js';
import { RateWindow } from './admin/rate-window.js';
import { storeFailure } from './errors/startup.js';
import { startLine } from './log/start-line.js';
import type { AdminStore } from './store/admin-store.js';
import { TimedConnector } from './platform/timed.js';
import { Deliverer } from './delivery/deliverer.js';
import { LocalFanout, type Fanout } from './delivery/fanout.js';
import { createRequestHandler, type RouteDeps } from './http/routes.js';
import { HttpServers } from './http/servers.js';
import { MemoryAddressLimits, type AddressLimits } from './limits/address-limits.js';
import { OriginPolicy } from './limits/origins.js';
import { createLogger, type Logger } from './log/logger.js';
import { Metrics } from './metrics.js';
import type { CourierExConnector } from './platform/courier-ex.js';
import type { CourierWwcConnector } from './platform/courier-wwc.js';
import { DemoBotConnector } from './platform/demo-bot.js';
import type { PlatformMessage } from './platform/normalize.js';
import { OutboxWorker } from './platform/outbox-worker.js';
import { StatusReports } from './platform/status-reports.js';
import { PlatformTargets } from './platform/targets.js';
import { Admission } from './core/admission.js';
import { ConnectionRegistry } from './core/connections.js';
import { Conversation } from './core/conversation.js';
import { endSession } from './core/end-session.js';
import { Ingest } from './core/ingest.js';
import { Maintenance } from './core/maintenance.js';
import { checkReadiness } from './core/readiness.js';
import { PlatformRouting } from './core/routing.js';
import { SocketServer } from './protocol/socketcluster/server.js';
import { WidgetEvents } from './protocol/socketcluster/events.js';
import { UpgradeRouter } from './protocol/upgrade-router.js';
import { createWwcServer } from './protocol/wwc/index.js';
import type { WwcServer } from './protocol/wwc/server.js';
import { openStore } from './store/open-store.js';
import { isRedisUrl } from './store/redis-url.js';
import type { Store, StoredMessage } from './store/store.js';

export const AUTH_SECRET_SETTING = 'auth_secret';

export interface GatewayOptions {
  config: Config;
  log?: Logger;
}

/** What a started gateway runs; built whole by start(). */
interface Parts {
  store: Store & AdminStore;
  fanout: Fanout;
  limits: AddressLimits;
  http: HttpServers;
  sockets: SocketServer;
  wwc: WwcServer;
  deliverer: Deliverer;
  outbox: OutboxWorker;
  courier: CourierExConnector | CourierWwcConnector | undefined;
  demoBot: DemoBotConnector;
  statusReports: StatusReports | undefined;
  maintenance: Maintenance;
  ingest: Ingest;
  admin: AdminService;
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

  get store(): Store & AdminStore {
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
    const c = this.config;
    const { log, metrics, registry, rates } = this;
    let store: Store & AdminStore;
    try {
      store = await openStore(c.storeUrl, {
        sqliteSynchronous: c.sqliteSynchronous,
        redisPrefix: c.redisPrefix,
        redisMinReplicasAck: c.redisMinReplicasAck,
        redisReplicaAckTimeout: c.redisReplicaAckTimeout,
      });
    } catch (err) {
      throw await storeFailure(c.storeUrl, err);
    }
    // A generated secret is kept in the store so tokens survive restarts (and are shared by
    // every process on the same store).
    const authSecret = c.authSecret ?? (await store.getOrSetSetting(AUTH_SECRET_SETTING, randomBytes(32).toString('base64url')));
    let fanout: Fanout;
    try {
      fanout = await this.openFanout();
    } catch (err) {
      await store.close().catch(() => {});
      throw await storeFailure(c.storeUrl, err);
    }
    const limits = await this.openLimits();
    const targets = new PlatformTargets(c.platformUrl, c.platformHosts);
    // Set below, once routing exists; reports go through it.
    let routing: PlatformRouting | undefined;
    const routeFor: PlatformRouting['route'] = (s) => {
      if (!routing) throw new Error('platform routing is not built yet');
      return routing.route(s);
    };
    const statusReports = c.statusCallbacks
      ? new StatusReports({
          store,
          log,
          routeFor,
          delay: c.statusDelay,
          deliveryMaxAge: c.deliveryMaxAge,
          // Only one platform can have sent it: the configured one (none: the demo bot).
          channelForDropped: (named) => (c.platformUrl !== undefined && c.platformHosts.length === 0 ? (named ?? c.channelUuid) : null),
        })
      : undefined;
    const deliverer = new Deliverer(store, log, {
      receiptPingDelay: c.receiptPingDelay,
      watch: (urn) => fanout.watch(urn),
      unwatch: (urn) => fanout.unwatch(urn),
      onReceipt: (createdAt) => metrics.platformToWidget.observe(Math.max(0, Date.now() - createdAt) / 1000),
      ...(statusReports ? { onDelivered: (urn: string, from: number, to: number) => void statusReports.delivered(urn, from, to) } : {}),
    });
    fanout.onMessage((m) => deliverer.onMessage(m));
    fanout.onResync(() => deliverer.resync());
    const ingest = new Ingest({ store, fanout, metrics, rate: rates.out, log, statusReports });

    // Only with a platform: its HTTP client (undici) is a good part of the start-up time, and the
    // demo bot does not need it.
    let courier: CourierExConnector | CourierWwcConnector | undefined;
    if (c.platformUrl !== undefined || c.platformHosts.length > 0) {
      if (c.platformChannelType === 'wwc') {
        const { CourierWwcConnector } = await import('./platform/courier-wwc.js');
        courier = new CourierWwcConnector({ timeout: c.platformTimeout });
      } else {
        const { CourierExConnector } = await import('./platform/courier-ex.js');
        courier = new CourierExConnector({ timeout: c.platformTimeout, log });
      }
    }
    const demoBot = new DemoBotConnector(
      (m) => ingest.message(m),
      c.demoBotDelay,
      (urn) => registry.typing(urn, ''),
    );
    routing = new PlatformRouting(targets, courier && new TimedConnector(courier, metrics), demoBot);
    const outbox = new OutboxWorker(
      store,
      routeFor,
      {
        retryBase: c.retryBase,
        retryMax: c.retryMax,
        maxAge: c.outboxMaxAge,
        concurrency: c.outboxConcurrency,
        // Past one platform call (bounded by its timeout), a lease means its holder died.
        leaseMs: c.platformTimeout + 5_000,
      },
      log,
      {
        onAccepted: (entry) => {
          metrics.outbox.inc({ outcome: 'accepted' });
          metrics.widgetToPlatform.observe(Math.max(0, Date.now() - entry.createdAt) / 1000);
        },
        onRetry: () => metrics.outbox.inc({ outcome: 'retry' }),
        onFailed: () => metrics.outbox.inc({ outcome: 'failed' }),
      },
    );
    const conversation = new Conversation({
      store,
      maxTextLength: c.maxTextLength,
      log,
      onUserMessage: (m) => {
        metrics.messages.inc({ direction: 'in' });
        rates.in.add();
        fanout.publish(m);
        outbox.wake();
      },
    });
    const admission = new Admission(
      { origins: new OriginPolicy(c.allowedOrigins), trustedProxies: c.trustedProxies, maxRegistrationsPerMinute: c.maxRegistrationsPerMinute, limits },
      metrics,
    );
    const ready = () => checkReadiness(store, fanout);
    const admin = new AdminService({
      store,
      storeKind: c.storeUrl.split(':')[0] ?? '',
      startedAt: this.startedAt,
      rates,
      connections: async () => {
        const out: Record<string, number> = {};
        for (const v of (await metrics.connectionsByProtocol.get()).values) out[String(v.labels['protocol'] ?? 'other')] = v.value;
        return out;
      },
      liveConnections: (urn) => deliverer.subscribers(urn),
      ready,
      wakeOutbox: () => outbox.wake(),
    });
    admin.addGauges(metrics, async () => !this.shuttingDown && (await ready()).ok);
    const routeDeps: RouteDeps = {
      log,
      metrics,
      adminToken: c.adminToken,
      endSession: (urn) => endSession(store, registry, log, urn),
      admin,
      webhookToken: c.webhookToken,
      maxBody: c.maxWebhookBody,
      ingest: (m) => ingest.message(m),
      typing: (urn, from) => registry.typing(urn, from),
      ...(statusReports ? { onAnswered: (m: StoredMessage) => statusReports.answered(m) } : {}),
      onDropped: (m, reason) => ingest.dropped(m, reason),
      isShuttingDown: () => this.shuttingDown,
      ready,
    };
    const split = c.internalPort !== undefined;
    const http = new HttpServers(c, createRequestHandler(routeDeps, split ? 'public' : 'all'), split ? createRequestHandler(routeDeps, 'internal') : undefined);
    const upgrades = new UpgradeRouter(http.public);
    const sockets = new SocketServer(
      upgrades.socketcluster,
      {
        clientRate: c.clientRate,
        clientBurst: c.clientBurst,
        registerTimeout: c.registerTimeout,
        authSecret,
        authSecretsPrevious: c.authSecretPrevious,
        tokenTtlMs: c.tokenTtl,
        pingInterval: c.pingInterval,
        pingTimeout: c.pingTimeout,
        maxPayload: c.maxPayload,
        handshakeTimeout: c.handshakeTimeout,
      },
      {
        events: new WidgetEvents({ conversation, targets, defaultChannelUuid: c.channelUuid }),
        deliverer,
        conversation,
        admission,
        registry,
        metrics,
        log,
      },
    );
    const wwc = createWwcServer(c, { conversation, admission, deliverer, registry, targets, metrics, log });
    upgrades.wwc = wwc.upgrade;

    try {
      await http.listen();
    } catch (err) {
      // Release what was taken, so the process can exit.
      this.shuttingDown = true;
      http.abort();
      await sockets.close().catch(() => {});
      await courier?.close().catch(() => {});
      await fanout.close().catch(() => {});
      await store.close().catch(() => {});
      throw err;
    }
    const maintenance = new Maintenance(store, statusReports, c, log);
    this.parts = { store, fanout, limits, http, sockets, wwc, deliverer, outbox, courier, demoBot, statusReports, maintenance, ingest, admin };
    outbox.start();
    maintenance.start();
    this.logStartLine();
  }

  /** The one human line an operator reads first: where to point a browser, and what runs. */
  private logStartLine(): void {
    const { fields, msg } = startLine(this.config, this.port, this.internalPort);
    this.log.info(fields, msg);
    // After the start line, so a start that fails prints nothing but its one line.
    if (this.config.allowedOrigins.length === 0) this.log.warn('ALLOWED_ORIGINS is not set: pages of any origin may open chat sockets');
  }

  /** Processes share a store over Redis; alone, they notify themselves. */
  private async openFanout(): Promise<Fanout> {
    if (!isRedisUrl(this.config.storeUrl)) return new LocalFanout();
    // Loaded only for Redis: ioredis is a good part of the start-up time otherwise.
    const { RedisFanout } = await import('./delivery/redis-fanout.js');
    const fanout = new RedisFanout(this.config.storeUrl, this.config.redisPrefix, this.log);
    await fanout.start();
    return fanout;
  }

  /** Per-address limits: shared by all nodes in Redis when the store is Redis, else in this process. */
  private async openLimits(): Promise<AddressLimits> {
    const c = this.config;
    const options = {
      maxConnectionsPerIp: c.maxConnectionsPerIp,
      maxRegistrationsPerMinute: c.maxRegistrationsPerMinute,
      ipv6PrefixLength: c.ipv6PrefixLength,
    };
    if (!isRedisUrl(c.storeUrl)) return new MemoryAddressLimits(options);
    const { RedisAddressLimits } = await import('./limits/redis-address-limits.js');
    const limits = new RedisAddressLimits(c.storeUrl, c.redisPrefix, options, this.log);
    await limits.start();
    return limits;
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
