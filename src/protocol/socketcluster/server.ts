// The SocketCluster front-end: attaches socketcluster-server, translates its handshake,
// middleware and events into the core's admission, session and delivery calls, and frames the
// replies. Admission, limits, sessions and delivery live in src/core and src/delivery.
import type { EventEmitter } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import { attach, type AGAction, type AGServer, type AGServerEvents, type AGServerSocket } from 'socketcluster-server';
import type { Admission } from '../../core/admission.js';
import type { ConnectionPolicy } from '../../core/connection-policy.js';
import type { ConnectionRegistry } from '../../core/connections.js';
import { asGatewayError, GatewayError } from '../../errors/catalogue.js';
import type { Logger } from '../../log/logger.js';
import type { Deliverer } from '../../delivery/deliverer.js';
import type { Metrics } from '../../metrics.js';
import type { Conversation } from '../../core/conversation.js';
import type { SessionRecord } from '../../store/store.js';
import { isSessionClaims, RotatingAuthEngine } from '../../sessions/tokens.js';
import { Connection } from './connection.js';
import { deliveryFramer } from './frames.js';
import { SC_EVENTS, WIDGET_EVENTS, type EventSpec, type WidgetContext, type WidgetEvent, type WidgetEvents } from './events.js';
import { serveProcedure, serveReceiver } from './dispatch.js';
import { closeAll } from './shutdown.js';

export const SOCKET_PATH = '/socketcluster/';
/** WebSocket close code of a frame over maxPayload. */
const CLOSE_MESSAGE_TOO_BIG = 1009;

export interface SocketServerOptions {
  clientRate: number;
  clientBurst: number;
  authSecret: string;
  authSecretsPrevious: readonly string[];
  tokenTtlMs: number;
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
  handshakeTimeout: number;
}

const KNOWN_EVENTS = new Set<string>(WIDGET_EVENTS);

export interface SocketServerDeps {
  events: WidgetEvents;
  policy: ConnectionPolicy;
  deliverer: Deliverer;
  conversation: Conversation;
  admission: Admission;
  registry: ConnectionRegistry;
  metrics: Metrics;
  log: Logger;
}

const IP = Symbol('clientIp');

export class SocketServer {
  readonly server: AGServer;
  private readonly connections = new Map<string, Connection>();
  private readonly frameDelivery = deliveryFramer();

  /** `upgrades`: the HTTP server, or an emitter of its upgrade events (see upgrade-router.ts). */
  constructor(
    upgrades: HttpServer | EventEmitter,
    private readonly options: SocketServerOptions,
    private readonly deps: SocketServerDeps,
  ) {
    this.server = attach(upgrades as HttpServer, {
      path: SOCKET_PATH,
      authKey: options.authSecret,
      authDefaultExpiry: Math.round(options.tokenTtlMs / 1000),
      // Keep-alive is ours (keepalive.ts): the built-in one speaks one protocol per server.
      // pingTimeout is still what the handshake tells clients to expect between pings.
      pingTimeoutDisabled: true,
      pingTimeout: options.pingTimeout,
      protocolVersion: 2,
      maxPayload: options.maxPayload,
      handshakeTimeout: options.handshakeTimeout,
      // Client publishes reach our middleware, which refuses them with a catalogue error.
      allowClientPublish: true,
      batchOnHandshake: false,
      socketChannelLimit: 8,
    });
    this.server.setAuthEngine(new RotatingAuthEngine(options.authSecretsPrevious));
    this.server.setMiddleware(this.server.MIDDLEWARE_HANDSHAKE, (stream) => this.handshakeMiddleware(stream));
    this.server.setMiddleware(this.server.MIDDLEWARE_INBOUND, (stream) => this.inboundMiddleware(stream));
    void this.consume('connection', ({ socket }) => this.onConnection(socket));
    void this.consume('subscription', ({ socket, channel, subscriptionOptions }) => this.onSubscription(socket, channel, subscriptionOptions));
    void this.consume('unsubscription', ({ socket, channel }) => {
      const conn = this.connections.get(socket.id);
      if (conn) this.deps.deliverer.unsubscribe(conn, channel);
    });
    void this.consume('closure', ({ socket, code }) => {
      // ws closed it for a frame over MAX_PAYLOAD: a refusal like any other.
      if (code === CLOSE_MESSAGE_TOO_BIG) this.deps.metrics.refuse('frame_size');
      this.onClosure(socket);
    });
    // Socket errors are mostly bad client input (unparsable frames): debug, or a flood of
    // garbage would become a flood of log lines.
    void this.consume('error', ({ error }) => this.deps.log.debug({ err: error?.message }, 'socket error'));
    void this.consume('warning', ({ warning }) => this.deps.log.debug({ warning: warning?.message }, 'socket server warning'));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** The ids of the sockets it keeps a Connection for (leak checks). */
  connectionIds(): string[] {
    return [...this.connections.keys()];
  }

  private async consume<K extends keyof AGServerEvents>(event: K, handler: (packet: AGServerEvents[K]) => unknown): Promise<void> {
    for await (const packet of this.server.listener(event)) {
      try {
        await handler(packet);
      } catch (err) {
        this.deps.log.error({ err, event }, 'socket event handler failed');
      }
    }
  }

  /** Before the WebSocket upgrade: the core's admission (origin, connections per address). */
  private async handshakeMiddleware(stream: AsyncIterable<AGAction>): Promise<void> {
    for await (const action of stream) {
      if (action.type !== action.HANDSHAKE_WS || !action.request) {
        action.allow();
        continue;
      }
      const req = action.request;
      try {
        // Counted from here; released when the socket closes (see onClosure).
        (req as unknown as Record<symbol, string>)[IP] = await this.deps.admission.admit(req);
        action.allow();
      } catch (err) {
        // ws answers the HTTP upgrade with 401 and this text as the reason.
        const e = asGatewayError(err);
        action.block(new Error(`${e.code}: ${e.message}`));
      }
    }
  }

  /** Who may do what, and how often: runs for every subscribe, publish, invoke and transmit. */
  private async inboundMiddleware(stream: AsyncIterable<AGAction>): Promise<void> {
    for await (const action of stream) {
      // socketcluster-server still runs frames queued before a close (e.g. after a 4009 for a
      // frame ahead of the handshake): a closed socket must not get a Connection, or it leaks.
      if (action.socket.state === 'closed') {
        action.block(new Error('socket closed'));
        continue;
      }
      const conn = this.connectionFor(action.socket);
      const { clientRate, clientBurst } = this.options;
      const refuse = () =>
        action.block(new GatewayError('WG_ERR_RATE_LIMITED', `Too many events; the limit is ${clientRate}/s with bursts of ${clientBurst}.`).toSocketError());
      if (!this.deps.policy.admitEvent(conn, refuse)) continue;
      if (action.type === action.SUBSCRIBE) {
        // Checked in order, without holding up other sockets' middleware.
        await conn.verified;
        const urn = conn.tokenUrn();
        if (urn !== undefined && urn === action.channel) action.allow();
        else
          action.block(
            new GatewayError(
              'WG_ERR_NOT_SESSION_OWNER',
              'A socket may only subscribe to the session its auth token names; emit registerUser first.',
            ).toSocketError(),
          );
      } else if (action.type === action.PUBLISH_IN) {
        action.block(new GatewayError('WG_ERR_PUBLISH_FORBIDDEN').toSocketError());
      } else if (action.type === action.INVOKE || action.type === action.TRANSMIT) {
        const name = action.procedure ?? action.receiver ?? '';
        if (KNOWN_EVENTS.has(name)) action.allow();
        else
          action.block(new GatewayError('WG_ERR_UNKNOWN_EVENT', `The gateway does not know the event ${JSON.stringify(name.slice(0, 64))}.`).toSocketError());
      } else {
        action.allow();
      }
    }
  }

  /** The Connection of a socket, created on first sight (middleware can run before 'connection'). */
  private connectionFor(socket: AGServerSocket): Connection {
    let conn = this.connections.get(socket.id);
    if (!conn) {
      const ip = (socket.request as unknown as Record<symbol, string>)[IP] ?? this.deps.admission.clientIp(socket.request);
      conn = new Connection(socket, { ...this.options, frame: this.frameDelivery }, ip);
      this.connections.set(socket.id, conn);
      this.deps.registry.add(conn);
      conn.verified = this.verifySession(conn);
      conn.onBackpressure = () => this.deps.metrics.refuse('backpressure');
      this.deps.metrics.connections.inc();
    }
    return conn;
  }

  /**
   * A token names a session; it is honoured only while that very session exists (same creation
   * time), so a session ended by the admin API cannot be used again with an old token.
   */
  private async verifySession(conn: Connection): Promise<void> {
    const token = conn.socket.authToken;
    if (!isSessionClaims(token)) return;
    if (await this.deps.conversation.isCurrent(token.urn, token.sc)) this.deps.policy.bind(conn, token.urn);
  }

  /** Binds a socket to a session: signs the token the client keeps. */
  private async setSession(conn: Connection, session: SessionRecord): Promise<void> {
    this.deps.policy.bind(conn, session.urn);
    await conn.socket.setAuthToken({ urn: session.urn, sc: session.createdAt });
  }

  private async onConnection(socket: AGServerSocket): Promise<void> {
    if (socket.state === 'closed') return; // closed while the handshake was being answered
    const conn = this.connectionFor(socket);
    conn.keepalive.onPing = (n) => this.deps.deliverer.onPing(conn, n);
    conn.keepalive.onPong = (n) => this.deps.deliverer.onPong(conn, n);
    conn.keepalive.start();
    // Consumers first: events that arrive while the token is checked wait in them, in order.
    for (const name of WIDGET_EVENTS) {
      void this.serveProcedure(conn, name);
      void this.serveReceiver(conn, name);
    }
    await conn.verified;
    const urn = conn.tokenUrn();
    if (urn !== undefined) {
      // Sliding expiry: every connection renews the token for another TOKEN_TTL.
      const sc = (socket.authToken as { sc?: number } | null)?.sc;
      await socket.setAuthToken(sc === undefined ? { urn } : { urn, sc }).catch((err: unknown) => this.deps.log.warn({ err }, 'token renewal failed'));
    } else {
      this.deps.policy.awaitRegistration(conn, 'no registration within REGISTER_TIMEOUT');
    }
    this.deps.log.debug({ socket: socket.id, urn, ip: conn.ip }, 'socket connected');
  }

  private async onSubscription(socket: AGServerSocket, channel: string, options: unknown): Promise<void> {
    const conn = this.connections.get(socket.id);
    if (!conn) return;
    const since = (options as { data?: { since?: unknown } } | undefined)?.data?.since;
    await this.deps.deliverer.subscribe(conn, channel, Number.isSafeInteger(since) && (since as number) >= 0 ? (since as number) : undefined);
  }

  private onClosure(socket: AGServerSocket): void {
    const ip = (socket.request as unknown as Record<symbol, string>)[IP];
    if (ip !== undefined) {
      delete (socket.request as unknown as Record<symbol, string>)[IP];
      this.deps.admission.release(ip);
    }
    const conn = this.connections.get(socket.id);
    if (!conn) return;
    this.connections.delete(socket.id);
    this.deps.registry.remove(conn);
    this.deps.metrics.connections.dec();
    this.deps.policy.release(conn);
    conn.keepalive.stop();
    this.deps.deliverer.detach(conn);
  }

  private context(conn: Connection): WidgetContext {
    return {
      tokenUrn: () => conn.tokenUrn(),
      query: conn.query,
      setSession: (session) => this.setSession(conn, session),
    };
  }

  private async handle(conn: Connection, name: WidgetEvent, data: unknown): Promise<unknown> {
    await conn.verified;
    const event: EventSpec = SC_EVENTS[name];
    if (event.limit === 'registrations') await this.deps.admission.register(conn.ip);
    return event.handler(this.deps.events, this.context(conn), data);
  }

  /** Events emitted with a callback. One loop per event keeps each socket's events in order. */
  private serveProcedure(conn: Connection, name: WidgetEvent): Promise<void> {
    return serveProcedure(conn, name, (data) => this.handle(conn, name, data), this.deps.log);
  }

  /** Events emitted without a callback (the v9 widget's sendMessageToChannel). */
  private serveReceiver(conn: Connection, name: WidgetEvent): Promise<void> {
    return serveReceiver(conn, name, (data) => this.handle(conn, name, data), this.deps.log);
  }

  /** Stops accepting; closes every socket with 1012 (see shutdown.ts). */
  close(): Promise<void> {
    return closeAll(this.server, this.connections.values());
  }
}
