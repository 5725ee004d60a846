// The composition root: builds every part from the configuration, wires them together, and owns
// start-up and graceful shutdown. Nothing else knows which store or platform dialect is in use.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/options.js';
import { AdminService } from './admin/service.js';
import { RateWindow } from './admin/rate-window.js';
import { listenFailure, storeFailure } from './errors/startup.js';
import { startLine } from './log/start-line.js';
import type { AdminStore } from './store/admin-store.js';
import { TimedConnector } from './platform/timed.js';
import { Deliverer } from './delivery/deliverer.js';
import { LocalFanout, type Fanout } from './delivery/fanout.js';
import { GatewayError, isGatewayError } from './errors/catalogue.js';
import { createRequestHandler } from './http/routes.js';
import { MemoryAddressLimits, type AddressLimits } from './limits/address-limits.js';
import { OriginPolicy } from './limits/origins.js';
import { createLogger, type Logger } from './log/logger.js';
import { Metrics } from './metrics.js';
import type { PlatformConnector } from './platform/connector.js';
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
import { SocketServer } from './protocol/socketcluster/server.js';
import { WidgetEvents } from './protocol/socketcluster/events.js';
import { UpgradeRouter } from './protocol/upgrade-router.js';
import { createWwcServer } from './protocol/wwc/index.js';
import type { WwcServer } from './protocol/wwc/server.js';
import { openStore } from './store/open-store.js';
import type { WithMedia } from './store/media-role.js';
import { MediaService } from './core/media.js';
import { MediaForwarder } from './platform/media-forward.js';
import { isRedisUrl } from './store/redis-url.js';
import { UnknownSessionError, type SessionRecord, type Store, type StoredMessage } from './store/store.js';

export const AUTH_SECRET_SETTING = 'auth_secret';
/** How often retention runs. */
export const RETENTION_INTERVAL = 60 * 60_000;
/** How often undelivered messages past DELIVERY_MAX_AGE are looked for (STATUS_CALLBACKS). */
export const EXPIRY_CHECK_INTERVAL = 60_000;
export const READINESS_TIMEOUT = 1_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

function listen(server: HttpServer, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export interface GatewayOptions {
  config: Config;
  log?: Logger;
}

export class Gateway {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics = new Metrics();
  store!: Store & AdminStore & WithMedia;
  private media!: MediaService;
  private mediaConnectors = new WeakMap<PlatformConnector, PlatformConnector>();
  private httpServer!: HttpServer;
  /** INTERNAL_PORT's server (metrics, health, admin), when set. */
  private internalServer: HttpServer | undefined;
  private timedCourier: TimedConnector | undefined;
  /** Messages per minute each way, for /admin/. */
  private readonly rates = { in: new RateWindow(), out: new RateWindow() };
  private readonly startedAt = Date.now();
  admin!: AdminService;
  private sockets!: SocketServer;
  private wwc!: WwcServer;
  private admission!: Admission;
  private readonly registry = new ConnectionRegistry();
  private deliverer!: Deliverer;
  private fanout!: Fanout;
  private limits!: AddressLimits;
  private outbox!: OutboxWorker;
  private courier: CourierExConnector | CourierWwcConnector | undefined;
  private demoBot: DemoBotConnector | undefined;
  private statusReports: StatusReports | undefined;
  private targets: PlatformTargets;
  private retentionTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private shuttingDown = false;
  private stopped: Promise<void> | undefined;

  constructor(options: GatewayOptions) {
    this.config = options.config;
    this.log = options.log ?? createLogger(options.config.logLevel);
    this.targets = new PlatformTargets(this.config.platformUrl, this.config.platformHosts);
  }

  /** The port actually bound (useful with PORT=0). */
  get port(): number {
    return (this.httpServer.address() as AddressInfo).port;
  }

  get url(): string {
    return `${this.config.tlsCert !== undefined ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  /** INTERNAL_PORT's bound port, when set. */
  get internalPort(): number | undefined {
    return this.internalServer ? (this.internalServer.address() as AddressInfo).port : undefined;
  }

  async start(): Promise<void> {
    const c = this.config;
    try {
      this.store = await openStore(c.storeUrl, {
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
    const authSecret = c.authSecret ?? (await this.store.getOrSetSetting(AUTH_SECRET_SETTING, randomBytes(32).toString('base64url')));

    try {
      this.fanout = await this.openFanout();
    } catch (err) {
      await this.store.close().catch(() => {});
      throw await storeFailure(c.storeUrl, err);
    }
    this.limits = await this.openLimits();
    if (c.statusCallbacks) {
      this.statusReports = new StatusReports({
        store: this.store,
        log: this.log,
        connectorFor: (s) => this.connectorFor(s),
        delay: c.statusDelay,
        deliveryMaxAge: c.deliveryMaxAge,
        // Only one platform can have sent it: the configured one (none: the demo bot).
        channelForDropped: (named) => (c.platformUrl !== undefined && c.platformHosts.length === 0 ? (named ?? c.channelUuid) : null),
      });
    }
    this.deliverer = new Deliverer(this.store, this.log, {
      receiptPingDelay: c.receiptPingDelay,
      watch: (urn) => this.fanout.watch(urn),
      unwatch: (urn) => this.fanout.unwatch(urn),
      onReceipt: (createdAt) => this.metrics.platformToWidget.observe(Math.max(0, Date.now() - createdAt) / 1000),
      ...(this.statusReports ? { onDelivered: (urn, from, to) => void this.statusReports!.delivered(urn, from, to) } : {}),
    });
    this.fanout.onMessage((m) => this.deliverer.onMessage(m));
    this.fanout.onResync(() => this.deliverer.resync());

    // Only with a platform: its HTTP client (undici) is a good part of the start-up time, and the
    // demo bot does not need it.
    if (c.platformUrl !== undefined || c.platformHosts.length > 0) {
      if (c.platformChannelType === 'wwc') {
        const { CourierWwcConnector } = await import('./platform/courier-wwc.js');
        this.courier = new CourierWwcConnector((s) => this.platformBase(s), { timeout: c.platformTimeout });
      } else {
        const { CourierExConnector } = await import('./platform/courier-ex.js');
        this.courier = new CourierExConnector((s) => this.platformBase(s), { timeout: c.platformTimeout, log: this.log });
      }
      this.timedCourier = new TimedConnector(this.courier, this.metrics);
    }
    this.demoBot = new DemoBotConnector(
      (m) => this.ingestPlatformMessage(m),
      c.demoBotDelay,
      (urn) => this.signalTyping(urn),
    );
    this.outbox = new OutboxWorker(
      this.store,
      (s) => this.connectorFor(s),
      {
        retryBase: c.retryBase,
        retryMax: c.retryMax,
        maxAge: c.outboxMaxAge,
        concurrency: c.outboxConcurrency,
        // Past one platform call (bounded by its timeout), a lease means its holder died.
        leaseMs: c.platformTimeout + 5_000,
      },
      this.log,
      {
        onAccepted: (entry) => {
          this.metrics.outbox.inc({ outcome: 'accepted' });
          this.metrics.widgetToPlatform.observe(Math.max(0, Date.now() - entry.createdAt) / 1000);
        },
        onRetry: () => this.metrics.outbox.inc({ outcome: 'retry' }),
        onFailed: () => this.metrics.outbox.inc({ outcome: 'failed' }),
      },
    );

    const conversation = new Conversation({
      store: this.store,
      maxTextLength: c.maxTextLength,
      log: this.log,
      onUserMessage: (m) => {
        this.metrics.messages.inc({ direction: 'in' });
        this.rates.in.add();
        this.fanout.publish(m);
        this.outbox.wake();
      },
    });
    this.media = new MediaService({
      media: this.store.media,
      conversation,
      maxBytes: c.maxMediaBytes,
      bytesPerHour: c.mediaBytesPerHour,
      publicBase: () => this.mediaBase(),
      log: this.log,
    });
    this.metrics.addGauge('wg_media_bytes', 'Bytes of uploaded files the store holds (all nodes)', async () => (await this.store.media.usage()).bytes);
    const events = new WidgetEvents({ conversation, media: this.media, targets: this.targets, defaultChannelUuid: c.channelUuid });

    const origins = new OriginPolicy(c.allowedOrigins);
    this.admission = new Admission(
      { origins, trustedProxies: c.trustedProxies, maxRegistrationsPerMinute: c.maxRegistrationsPerMinute, limits: this.limits },
      this.metrics,
    );
    this.admin = new AdminService({
      store: this.store,
      storeKind: c.storeUrl.split(':')[0]!,
      startedAt: this.startedAt,
      rates: this.rates,
      connections: async () => {
        const out: Record<string, number> = {};
        for (const v of (await this.metrics.connectionsByProtocol.get()).values) out[String(v.labels['protocol'] ?? 'other')] = v.value;
        return out;
      },
      liveConnections: (urn) => this.deliverer.subscribers(urn),
      ready: () => this.readiness(),
      wakeOutbox: () => this.outbox.wake(),
    });
    this.admin.addGauges(this.metrics, async () => !this.shuttingDown && (await this.readiness()).ok);
    const routeDeps = {
      log: this.log,
      metrics: this.metrics,
      adminToken: c.adminToken,
      endSession: (urn: string) => this.endSession(urn),
      admin: this.admin,
      webhookToken: c.webhookToken,
      maxBody: c.maxWebhookBody,
      ingest: (m: PlatformMessage) => this.ingestPlatformMessage(m),
      typing: (urn: string, from: string) => this.registry.typing(urn, from),
      ...(this.statusReports ? { onAnswered: (m: StoredMessage) => this.statusReports!.answered(m) } : {}),
      onDropped: (m: PlatformMessage, reason: string) => {
        this.metrics.webhookDropped.inc({ reason });
        this.log.warn({ urn: m.to.slice(0, 160), id: m.id, reason }, 'platform message for an unknown session accepted and dropped');
        this.statusReports?.dropped(m.to, m.id, m.channel);
      },
      isShuttingDown: () => this.shuttingDown,
      ready: () => this.readiness(),
      media: { media: this.store.media, maxAge: c.historyMaxAge },
    };
    const handler = createRequestHandler(routeDeps, c.internalPort === undefined ? 'all' : 'public');
    // TLS_CERT/TLS_KEY: HTTPS and wss:// on the same port (the WWC clients force wss).
    this.httpServer =
      c.tlsCert !== undefined && c.tlsKey !== undefined
        ? createTlsServer({ cert: readFileSync(c.tlsCert), key: readFileSync(c.tlsKey) }, handler)
        : createServer(handler);
    if (c.internalPort !== undefined) this.internalServer = createServer(createRequestHandler(routeDeps, 'internal'));
    this.httpServer.keepAliveTimeout = 65_000;
    const upgrades = new UpgradeRouter(this.httpServer);
    this.sockets = new SocketServer(
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
      { events, deliverer: this.deliverer, conversation, admission: this.admission, registry: this.registry, metrics: this.metrics, log: this.log },
    );
    this.wwc = createWwcServer(c, {
      conversation,
      admission: this.admission,
      deliverer: this.deliverer,
      registry: this.registry,
      targets: this.targets,
      metrics: this.metrics,
      log: this.log,
      media: this.media,
    });
    upgrades.wwc = this.wwc.upgrade;

    try {
      await listen(this.httpServer, c.port, c.host).catch((err: unknown) => {
        throw listenFailure('PORT', 'HOST', c.host, c.port, err);
      });
      if (this.internalServer) {
        const host = c.internalHost ?? c.host;
        await listen(this.internalServer, c.internalPort!, host).catch((err: unknown) => {
          throw listenFailure('INTERNAL_PORT', c.internalHost ? 'INTERNAL_HOST' : 'HOST', host, c.internalPort!, err);
        });
      }
    } catch (err) {
      await this.closeAfterFailedStart();
      throw err;
    }
    this.outbox.start();
    this.retentionTimer = setInterval(() => void this.runRetention(), RETENTION_INTERVAL);
    this.retentionTimer.unref();
    void this.runRetention();
    if (c.statusCallbacks) {
      this.expiryTimer = setInterval(() => void this.reportExpired(), Math.min(EXPIRY_CHECK_INTERVAL, c.deliveryMaxAge));
      this.expiryTimer.unref();
    }
    this.logStartLine();
  }

  /** The one human line an operator reads first: where to point a browser, and what runs. */
  private logStartLine(): void {
    const { fields, msg } = startLine(this.config, this.port, this.internalPort);
    this.log.info(fields, msg);
    // After the start line, so a start that fails prints nothing but its one line.
    if (this.config.allowedOrigins.length === 0) this.log.warn('ALLOWED_ORIGINS is not set: pages of any origin may open chat sockets');
    const platform = this.config.platformUrl !== undefined || this.config.platformHosts.length > 0;
    if (this.config.maxMediaBytes > 0 && this.config.publicUrl === undefined && (platform || this.config.trustedProxies.length > 0)) {
      this.log.warn(
        this.config.trustedProxies.length > 0
          ? 'PUBLIC_URL is not set behind a proxy (TRUSTED_PROXIES): file uploads are refused until PUBLIC_URL names the public base URL of the gateway'
          : `PUBLIC_URL is not set: file URLs start with ${this.mediaBase() ?? ''}, which the platform and browsers on other hosts may not reach`,
      );
    }
  }

  /** A start that failed after the store opened: release what was taken, so the process can exit. */
  private async closeAfterFailedStart(): Promise<void> {
    this.shuttingDown = true;
    this.httpServer.close();
    this.internalServer?.close();
    await this.sockets.close().catch(() => {});
    await this.courier?.close().catch(() => {});
    await this.fanout.close().catch(() => {});
    await this.store.close().catch(() => {});
  }

  /** The base of file URLs: PUBLIC_URL, else the listening address; null behind a proxy without PUBLIC_URL. */
  private mediaBase(): string | null {
    const c = this.config;
    if (c.publicUrl !== undefined) return c.publicUrl;
    if (c.trustedProxies.length > 0) return null;
    const host = c.host === '0.0.0.0' || c.host === '::' ? '127.0.0.1' : c.host.includes(':') ? `[${c.host}]` : c.host;
    return `${c.tlsCert !== undefined ? 'https' : 'http'}://${host}:${this.port}`;
  }

  /** The demo bot is typing to a session: tell its connections on this process. */
  signalTyping(urn: string): void {
    this.registry.typing(urn, '');
  }

  /**
   * A platform message for a widget (webhook or demo bot): store it once (duplicates by id are
   * answered with the stored copy), then wake delivery.
   */

  async ingestPlatformMessage(m: PlatformMessage): Promise<{ message: StoredMessage; duplicate: boolean }> {
    let result: { message: StoredMessage; duplicate: boolean };
    try {
      result = await this.store.appendOutbound(m.to, { id: m.id, text: m.text, payload: m, createdAt: Date.now() });
    } catch (err) {
      if (err instanceof UnknownSessionError) throw new GatewayError('WG_ERR_UNKNOWN_SESSION', `No session has the urn ${JSON.stringify(m.to.slice(0, 160))}.`);
      if (isGatewayError(err)) throw err; // e.g. WG_ERR_NOT_REPLICATED
      this.log.error({ err, urn: m.to }, 'could not store platform message');
      throw new GatewayError('WG_ERR_STORE_UNAVAILABLE');
    }
    if (!result.duplicate) {
      this.metrics.messages.inc({ direction: 'out' });
      this.rates.out.add();
      this.fanout.publish(result.message);
    }
    this.log.debug({ urn: m.to, seq: result.message.seq, id: m.id, duplicate: result.duplicate, text: m.text }, 'platform message accepted');
    return result;
  }

  /** Admin API: end a session everywhere it is stored, and its sockets on this process. */
  async endSession(urn: string): Promise<{ existed: boolean; socketsClosed: number }> {
    const existed = await this.store.deleteSession(urn);
    await this.store.media.deleteSession(urn);
    const socketsClosed = this.registry.kick(urn);
    this.log.info({ urn, existed, socketsClosed }, 'session ended by the admin API');
    return { existed, socketsClosed };
  }

  /** STATUS_CALLBACKS: report `failed` for platform messages nobody received within DELIVERY_MAX_AGE. */
  async reportExpired(): Promise<number> {
    return this.statusReports?.expired() ?? 0;
  }

  private platformBase(session: SessionRecord): string {
    const base = session.hostApi ?? this.config.platformUrl;
    if (base === undefined || !this.targets.isAllowed(base)) {
      throw new GatewayError('WG_ERR_HOST_NOT_ALLOWED', `The platform ${base ?? '(none)'} of this session is no longer allowed.`);
    }
    return base;
  }

  private connectorFor(session: SessionRecord): PlatformConnector {
    if (session.hostApi === null && this.config.platformUrl === undefined) return this.withMedia(this.demoBot!);
    this.platformBase(session); // throws when the platform is no longer allowed
    if (!this.timedCourier) throw new GatewayError('WG_ERR_NO_PLATFORM');
    return this.withMedia(this.timedCourier);
  }

  /** The connector with each entry's file looked up (media-forward.ts). */
  private withMedia(inner: PlatformConnector): PlatformConnector {
    let wrapped = this.mediaConnectors.get(inner);
    if (!wrapped) this.mediaConnectors.set(inner, (wrapped = new MediaForwarder(inner, this.media)));
    return wrapped;
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

  /** Ready = the store answers and a fanout notification makes the round trip. */
  private async readiness(): Promise<{ ok: boolean; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    let ok = true;
    try {
      await withTimeout(this.store.getDeliveredSeq('readiness-probe'), READINESS_TIMEOUT);
      checks['store'] = 'ok';
    } catch (err) {
      ok = false;
      checks['store'] = (err as Error).message;
    }
    const fan = await this.fanout.healthy();
    checks['fanout'] = fan.detail;
    return { ok: ok && fan.ok, checks };
  }

  private async runRetention(): Promise<void> {
    try {
      const removed = await this.store.prune({ now: Date.now(), maxAge: this.config.historyMaxAge, maxMessagesPerSession: this.config.historyMaxMessages });
      if (removed > 0) this.log.info({ removed }, 'retention removed old messages');
      const files = await this.store.media.prune(Date.now() - this.config.historyMaxAge);
      if (files > 0) this.log.info({ files }, 'retention removed old files');
    } catch (err) {
      this.log.warn({ err }, 'retention failed');
    }
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
    this.shuttingDown = true;
    clearInterval(this.retentionTimer);
    clearInterval(this.expiryTimer);
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, this.config.shutdownTimeout).unref());
    const httpClosed = new Promise<void>((resolve) => this.httpServer.close(() => resolve()));
    this.internalServer?.close();
    this.internalServer?.closeAllConnections();
    // Keep-alive connections that fall idle after answering their last request would hold
    // close() until their keep-alive timeout: drop each one as soon as it is idle.
    const idleSweep = setInterval(() => this.httpServer.closeIdleConnections(), 50);
    this.httpServer.closeIdleConnections();
    const graceful = (async () => {
      await Promise.all([this.sockets.close(), this.wwc.close()]).catch((err: unknown) => this.log.warn({ err }, 'closing sockets failed'));
      this.demoBot?.close();
      await this.outbox.stop();
      await httpClosed;
      // No more proofs or webhooks: send the reports still waiting for STATUS_DELAY.
      await this.statusReports?.drained();
    })();
    await Promise.race([graceful, deadline]);
    this.statusReports?.stop();
    clearInterval(idleSweep);
    this.httpServer.closeAllConnections();
    await this.courier?.close().catch(() => {});
    await this.fanout.close();
    await this.limits.close();
    await this.store.close();
    this.log.info('webchat-gateway stopped');
  }
}
