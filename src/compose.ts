// The composition root, first half: builds every part from the configuration and wires them
// together (gateway.ts starts and stops them). Nothing else knows which store or platform
// dialect is in use; what the parts do lives in src/core and the part folders, not here.
import { randomBytes } from 'node:crypto';
import type { Config } from './config/options.js';
import { AdminService } from './admin/service.js';
import { RateWindow } from './admin/rate-window.js';
import { storeFailure } from './errors/startup.js';
import type { AdminStore } from './store/admin-store.js';
import { TimedConnector } from './platform/timed.js';
import { Deliverer } from './delivery/deliverer.js';
import type { Fanout } from './delivery/fanout.js';
import { createRequestHandler, type RouteDeps } from './http/routes.js';
import { HttpServers } from './http/servers.js';
import type { AddressLimits } from './limits/address-limits.js';
import { openFanout, openLimits } from './backends.js';
import { OriginPolicy } from './limits/origins.js';
import type { Logger } from './log/logger.js';
import { Metrics } from './metrics.js';
import type { CourierExConnector } from './platform/courier-ex.js';
import type { CourierWwcConnector } from './platform/courier-wwc.js';
import { DemoBotConnector } from './platform/demo-bot.js';
import type { PlatformConnector } from './platform/connector.js';
import { MediaForwarder } from './platform/media-forward.js';
import { OutboxWorker } from './platform/outbox-worker.js';
import { StatusReports } from './platform/status-reports.js';
import { PlatformTargets } from './platform/targets.js';
import { Admission } from './core/admission.js';
import { ConnectionPolicy } from './core/connection-policy.js';
import type { ConnectionRegistry } from './core/connections.js';
import { Conversation } from './core/conversation.js';
import { mediaBase, MediaService } from './core/media.js';
import { endSession } from './core/end-session.js';
import { Ingest } from './core/ingest.js';
import { Maintenance } from './core/maintenance.js';
import { checkReadiness } from './core/readiness.js';
import { PlatformRouting } from './core/routing.js';
import { ContactFields } from './core/contact-fields.js';
import { TokenBindings } from './core/token-bindings.js';
import { SocketServer } from './protocol/socketcluster/server.js';
import { WidgetEvents } from './protocol/socketcluster/events.js';
import { UpgradeRouter } from './protocol/upgrade-router.js';
import { createWwcServer } from './protocol/wwc/index.js';
import type { WwcServer } from './protocol/wwc/server.js';
import type { WithMedia } from './store/media-role.js';
import { openStore } from './store/open-store.js';
import type { SessionRecord, Store, StoredMessage } from './store/store.js';

export const AUTH_SECRET_SETTING = 'auth_secret';

/** What the Gateway holds before it starts, shared with the parts. */
export interface Shared {
  config: Config;
  log: Logger;
  metrics: Metrics;
  registry: ConnectionRegistry;
  /** Messages per minute each way, for /admin/. */
  rates: { in: RateWindow; out: RateWindow };
  startedAt: number;
  isShuttingDown(): boolean;
}

/** What a started gateway runs; built whole by start(). */
export interface Parts {
  store: Store & AdminStore & WithMedia;
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

export async function compose(shared: Shared): Promise<Parts> {
  const { config: c, log, metrics, registry, rates } = shared;
  let store: Store & AdminStore & WithMedia;
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
    fanout = await openFanout(c, log);
  } catch (err) {
    await store.close().catch(() => {});
    throw await storeFailure(c.storeUrl, err);
  }
  const limits = await openLimits(c, log);
  const targets = new PlatformTargets(c.platformUrl, c.platformHosts);
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
  // A typing indicator goes to the session's connections here, and through the fanout to other
  // nodes' (on Redis); returns how many here took it.
  const relayTyping = (urn: string, from: string): number => {
    fanout.publishTyping(urn, from);
    return registry.typing(urn, from);
  };
  // The demo bot answers through ingest (built below, before any message can come).
  const demoBot = new DemoBotConnector(
    (m): Promise<unknown> => ingest.message(m),
    c.demoBotDelay,
    (urn) => relayTyping(urn, ''),
  );
  // The outbox and http (below) are only reached once a message comes.
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
  const media = new MediaService({
    media: store.media,
    conversation,
    maxBytes: c.maxMediaBytes,
    bytesPerHour: c.mediaBytesPerHour,
    publicBase: () => mediaBase(c, http.port),
    log,
  });
  metrics.addGauge('wg_media_bytes', 'Bytes of uploaded files the store holds (all nodes)', async () => (await store.media.usage()).bytes);
  // Each entry the platform gets carries its file, if it has one (media-forward.ts).
  const withMedia = (inner: PlatformConnector) => new MediaForwarder(inner, media);
  const routing = new PlatformRouting(targets, courier && withMedia(new TimedConnector(courier, metrics)), withMedia(demoBot));
  const routeFor = (s: SessionRecord) => routing.route(s);
  const statusReports = statusCallbacksApply(c)
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
  fanout.onTyping((urn, from) => registry.typing(urn, from));
  const ingest = new Ingest({ store, fanout, metrics, rate: rates.out, log, statusReports });

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
  const admission = new Admission(
    { origins: new OriginPolicy(c.allowedOrigins), trustedProxies: c.trustedProxies, maxRegistrationsPerMinute: c.maxRegistrationsPerMinute, limits },
    metrics,
  );
  const policy = new ConnectionPolicy({ clientRate: c.clientRate, clientBurst: c.clientBurst, registerTimeout: c.registerTimeout }, metrics, log);
  const ready = () => checkReadiness(store, fanout);
  const admin = new AdminService({
    store,
    storeKind: c.storeUrl.split(':')[0] ?? '',
    startedAt: shared.startedAt,
    rates,
    connections: async () => {
      const out: Record<string, number> = {};
      for (const v of (await metrics.connectionsByProtocol.get()).values) out[String(v.labels['protocol'] ?? 'other')] = v.value;
      return out;
    },
    liveConnections: (urn) => deliverer.subscribers(urn),
    ready,
    wakeOutbox: () => outbox.wake(),
    uploads: (urn, messages) => media.attachmentsOf(urn, messages),
  });
  admin.addGauges(metrics, async () => !shared.isShuttingDown() && (await ready()).ok);
  const routeDeps: RouteDeps = {
    log,
    metrics,
    adminToken: c.adminToken,
    endSession: (urn) => endSession(store, registry, log, urn),
    admin,
    webhookToken: c.webhookToken,
    maxBody: c.maxWebhookBody,
    ingest: (m) => ingest.message(m),
    typing: (urn, from) => relayTyping(urn, from),
    ...(statusReports ? { onAnswered: (m: StoredMessage) => statusReports.answered(m) } : {}),
    onDropped: (m, reason) => ingest.dropped(m, reason),
    isShuttingDown: () => shared.isShuttingDown(),
    ready,
    media: { media: store.media, maxAge: c.historyMaxAge },
  };
  const split = c.internalPort !== undefined;
  const http = new HttpServers(c, createRequestHandler(routeDeps, split ? 'public' : 'all'), split ? createRequestHandler(routeDeps, 'internal') : undefined);
  const upgrades = new UpgradeRouter(http.public);
  const sockets = new SocketServer(
    upgrades.socketcluster,
    {
      clientRate: c.clientRate,
      clientBurst: c.clientBurst,
      authSecret,
      authSecretsPrevious: c.authSecretPrevious,
      tokenTtlMs: c.tokenTtl,
      pingInterval: c.pingInterval,
      pingTimeout: c.pingTimeout,
      maxPayload: c.maxPayload,
      handshakeTimeout: c.handshakeTimeout,
    },
    {
      events: new WidgetEvents({ conversation, media, targets, defaultChannelUuid: c.channelUuid }),
      policy,
      deliverer,
      conversation,
      admission,
      registry,
      metrics,
      log,
    },
  );
  const wwc = createWwcServer(c, {
    conversation,
    policy,
    tokens: new TokenBindings(store),
    contactFields: new ContactFields(store),
    admission,
    deliverer,
    registry,
    targets,
    metrics,
    log,
    media,
  });
  upgrades.wwc = wwc.upgrade;
  const maintenance = new Maintenance(store, statusReports, c, log);
  return { store, fanout, limits, http, sockets, wwc, deliverer, outbox, courier, demoBot, statusReports, maintenance, ingest, admin };
}

/** STATUS_CALLBACKS, where the platform's channel has status endpoints: courier's WWC channel has none. */
export function statusCallbacksApply(c: Config): boolean {
  return c.statusCallbacks && c.platformChannelType !== 'wwc';
}
