// The composition root: builds every part from the configuration, wires them together, and owns
// start-up and graceful shutdown. Nothing else knows which store or platform dialect is in use.
import { randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/options.js';
import { Deliverer } from './delivery/deliverer.js';
import { LocalFanout, type Fanout } from './delivery/fanout.js';
import { RedisFanout } from './delivery/redis-fanout.js';
import { GatewayError, isGatewayError } from './errors/catalogue.js';
import { createRequestHandler } from './http/routes.js';
import { MemoryAddressLimits, type AddressLimits } from './limits/address-limits.js';
import { OriginPolicy } from './limits/origins.js';
import { createLogger, type Logger } from './log/logger.js';
import { Metrics } from './metrics.js';
import type { PlatformConnector } from './platform/connector.js';
import { CourierExConnector } from './platform/courier-ex.js';
import { DemoBotConnector } from './platform/demo-bot.js';
import type { PlatformMessage } from './platform/normalize.js';
import { OutboxWorker } from './platform/outbox-worker.js';
import { PlatformTargets } from './platform/targets.js';
import { SocketServer } from './protocol/socket-server.js';
import { WidgetEvents } from './sessions/widget-events.js';
import { openStore } from './store/open-store.js';
import { isRedisUrl, redactRedisUrl } from './store/redis-url.js';
import { UnknownSessionError, type SessionRecord, type Store, type StoredMessage } from './store/store.js';

export const AUTH_SECRET_SETTING = 'auth_secret';
/** How often retention runs. */
export const RETENTION_INTERVAL = 60 * 60_000;
/** How often undelivered messages past DELIVERY_MAX_AGE are looked for (STATUS_CALLBACKS). */
export const EXPIRY_CHECK_INTERVAL = 60_000;
export const EXPIRY_BATCH = 500;
export const READINESS_TIMEOUT = 1_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

export interface GatewayOptions {
  config: Config;
  log?: Logger;
}

export class Gateway {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics = new Metrics();
  store!: Store;
  private httpServer!: HttpServer;
  private sockets!: SocketServer;
  private deliverer!: Deliverer;
  private fanout!: Fanout;
  private limits!: AddressLimits;
  private outbox!: OutboxWorker;
  private courier: CourierExConnector | undefined;
  private demoBot: DemoBotConnector | undefined;
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
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const c = this.config;
    this.store = await openStore(c.storeUrl, {
      sqliteSynchronous: c.sqliteSynchronous,
      redisPrefix: c.redisPrefix,
      redisMinReplicasAck: c.redisMinReplicasAck,
      redisReplicaAckTimeout: c.redisReplicaAckTimeout,
    });
    // A generated secret is kept in the store so tokens survive restarts (and are shared by
    // every process on the same store).
    const authSecret = c.authSecret ?? (await this.store.getOrSetSetting(AUTH_SECRET_SETTING, randomBytes(32).toString('base64url')));

    this.fanout = await this.openFanout();
    this.limits = await this.openLimits();
    this.deliverer = new Deliverer(this.store, this.log, {
      receiptPingDelay: c.receiptPingDelay,
      watch: (urn) => this.fanout.watch(urn),
      unwatch: (urn) => this.fanout.unwatch(urn),
      ...(c.statusCallbacks ? { onDelivered: (urn, from, to) => void this.reportDelivered(urn, from, to) } : {}),
    });
    this.fanout.onMessage((m) => this.deliverer.onMessage(m));
    this.fanout.onResync(() => this.deliverer.resync());

    this.courier = new CourierExConnector((s) => this.platformBase(s), { timeout: c.platformTimeout, log: this.log });
    this.demoBot = new DemoBotConnector((m) => this.ingestPlatformMessage(m), c.demoBotDelay);
    this.outbox = new OutboxWorker(this.store, (s) => this.connectorFor(s), {
      retryBase: c.retryBase,
      retryMax: c.retryMax,
      maxAge: c.outboxMaxAge,
      concurrency: c.outboxConcurrency,
      // Past one platform call (bounded by its timeout), a lease means its holder died.
      leaseMs: c.platformTimeout + 5_000,
    }, this.log, {
      onAccepted: () => this.metrics.outbox.inc({ outcome: 'accepted' }),
      onRetry: () => this.metrics.outbox.inc({ outcome: 'retry' }),
      onFailed: () => this.metrics.outbox.inc({ outcome: 'failed' }),
    });

    const events = new WidgetEvents({
      store: this.store,
      targets: this.targets,
      defaultChannelUuid: c.channelUuid,
      maxTextLength: c.maxTextLength,
      log: this.log,
      onUserMessage: (m) => {
        this.metrics.messages.inc({ direction: 'in' });
        this.fanout.publish(m);
        this.outbox.wake();
      },
    });

    const origins = new OriginPolicy(c.allowedOrigins);
    if (origins.allowsAll) this.log.warn('ALLOWED_ORIGINS is not set: pages of any origin may open chat sockets');
    this.httpServer = createServer(
      createRequestHandler({
        log: this.log,
        metrics: this.metrics,
        adminToken: c.adminToken,
        endSession: (urn) => this.endSession(urn),
        webhookToken: c.webhookToken,
        maxBody: c.maxWebhookBody,
        ingest: (m) => this.ingestPlatformMessage(m),
        isShuttingDown: () => this.shuttingDown,
        ready: () => this.readiness(),
      }),
    );
    this.httpServer.keepAliveTimeout = 65_000;
    this.sockets = new SocketServer(
      this.httpServer,
      {
        origins,
        clientRate: c.clientRate,
        clientBurst: c.clientBurst,
        maxConnectionsPerIp: c.maxConnectionsPerIp,
        maxRegistrationsPerMinute: c.maxRegistrationsPerMinute,
        trustedProxies: c.trustedProxies,
        registerTimeout: c.registerTimeout,
        authSecret,
        authSecretsPrevious: c.authSecretPrevious,
        tokenTtlMs: c.tokenTtl,
        pingInterval: c.pingInterval,
        pingTimeout: c.pingTimeout,
        maxPayload: c.maxPayload,
        handshakeTimeout: c.handshakeTimeout,
      },
      { events, deliverer: this.deliverer, store: this.store, metrics: this.metrics, log: this.log, limits: this.limits },
    );

    await new Promise<void>((resolve, reject) => {
      this.httpServer.once('error', reject);
      this.httpServer.listen(c.port, c.host, () => {
        this.httpServer.off('error', reject);
        resolve();
      });
    });
    this.outbox.start();
    this.retentionTimer = setInterval(() => void this.runRetention(), RETENTION_INTERVAL);
    this.retentionTimer.unref();
    void this.runRetention();
    if (c.statusCallbacks) {
      this.expiryTimer = setInterval(() => void this.reportExpired(), Math.min(EXPIRY_CHECK_INTERVAL, c.deliveryMaxAge));
      this.expiryTimer.unref();
    }
    this.log.info(
      {
        port: this.port,
        host: c.host,
        store: redactRedisUrl(c.storeUrl),
        platform: c.platformUrl ?? 'demo bot',
        platformHosts: c.platformHosts,
        webhook: c.webhookToken ? 'enabled' : 'disabled (no WEBHOOK_TOKEN)',
      },
      'webchat-gateway listening',
    );
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
      this.fanout.publish(result.message);
    }
    this.log.debug({ urn: m.to, seq: result.message.seq, id: m.id, duplicate: result.duplicate, text: m.text }, 'platform message accepted');
    return result;
  }

  /**
   * STATUS_CALLBACKS: tell the platform which of its messages a widget has proven to hold.
   * Best effort, one attempt each: a lost report leaves the message "sent" on the platform,
   * it never affects delivery. Two tabs may report the same message twice; courier's status
   * update is idempotent.
   */
  private async reportDelivered(urn: string, fromSeq: number, toSeq: number): Promise<void> {
    try {
      const session = await this.store.getSession(urn);
      if (!session) return;
      const connector = this.connectorFor(session);
      const messages = await this.store.readMessages(urn, { afterSeq: fromSeq, beforeSeq: toSeq + 1, direction: 'out', limit: 1000 });
      for (const m of messages) {
        const r = await connector.reportStatus('delivered', m, session);
        if (r.outcome !== 'accepted') this.log.info({ urn, id: m.id, reason: r.reason }, 'delivery report not accepted');
      }
    } catch (err) {
      this.log.warn({ err, urn }, 'delivery report failed');
    }
  }

  /** Admin API: end a session everywhere it is stored, and its sockets on this process. */
  async endSession(urn: string): Promise<{ existed: boolean; socketsClosed: number }> {
    const existed = await this.store.deleteSession(urn);
    const socketsClosed = this.sockets.kick(urn);
    this.log.info({ urn, existed, socketsClosed }, 'session ended by the admin API');
    return { existed, socketsClosed };
  }

  /** STATUS_CALLBACKS: report `failed` for platform messages nobody received within DELIVERY_MAX_AGE. */
  async reportExpired(): Promise<number> {
    let reported = 0;
    try {
      for (;;) {
        const expired = await this.store.takeExpiredUndelivered(Date.now() - this.config.deliveryMaxAge, EXPIRY_BATCH);
        for (const m of expired) {
          const session = await this.store.getSession(m.urn);
          if (!session) continue;
          const r = await this.connectorFor(session).reportStatus('failed', m, session);
          if (r.outcome !== 'accepted') this.log.info({ urn: m.urn, id: m.id, reason: r.reason }, 'failure report not accepted');
          reported++;
        }
        if (expired.length < EXPIRY_BATCH) break;
      }
    } catch (err) {
      this.log.warn({ err }, 'expiry report failed');
    }
    if (reported > 0) this.log.warn({ reported }, 'platform messages expired undelivered');
    return reported;
  }

  private platformBase(session: SessionRecord): string {
    const base = session.hostApi ?? this.config.platformUrl;
    if (base === undefined || !this.targets.isAllowed(base)) {
      throw new GatewayError('WG_ERR_HOST_NOT_ALLOWED', `The platform ${base ?? '(none)'} of this session is no longer allowed.`);
    }
    return base;
  }

  private connectorFor(session: SessionRecord): PlatformConnector {
    if (session.hostApi === null && this.config.platformUrl === undefined) return this.demoBot!;
    this.platformBase(session); // throws when the platform is no longer allowed
    return this.courier!;
  }

  /** Processes share a store over Redis; alone, they notify themselves. */
  private async openFanout(): Promise<Fanout> {
    if (!isRedisUrl(this.config.storeUrl)) return new LocalFanout();
    const fanout = new RedisFanout(this.config.storeUrl, this.config.redisPrefix, this.log);
    await fanout.start();
    return fanout;
  }

  /** Per-address limits: shared by all nodes in Redis when the store is Redis, else in this process. */
  private async openLimits(): Promise<AddressLimits> {
    const c = this.config;
    const options = { maxConnectionsPerIp: c.maxConnectionsPerIp, maxRegistrationsPerMinute: c.maxRegistrationsPerMinute, ipv6PrefixLength: c.ipv6PrefixLength };
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
    // Keep-alive connections that fall idle after answering their last request would hold
    // close() until their keep-alive timeout: drop each one as soon as it is idle.
    const idleSweep = setInterval(() => this.httpServer.closeIdleConnections(), 50);
    this.httpServer.closeIdleConnections();
    const graceful = (async () => {
      await this.sockets.close().catch((err: unknown) => this.log.warn({ err }, 'closing sockets failed'));
      this.demoBot?.close();
      await this.outbox.stop();
      await httpClosed;
    })();
    await Promise.race([graceful, deadline]);
    clearInterval(idleSweep);
    this.httpServer.closeAllConnections();
    await this.courier?.close().catch(() => {});
    await this.fanout.close();
    await this.limits.close();
    await this.store.close();
    this.log.info('webchat-gateway stopped');
  }
}
