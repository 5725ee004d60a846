// The SocketCluster side of the gateway: attaches socketcluster-server to the HTTP server,
// enforces who may subscribe and publish, runs keep-alive for both client generations, and
// routes widget events to the session logic.
import type { Server as HttpServer } from 'node:http';
import { attach, type AGAction, type AGRequest, type AGServer, type AGServerSocket } from 'socketcluster-server';
import { asGatewayError, GatewayError } from '../errors/catalogue.js';
import type { Logger } from '../log/logger.js';
import type { Deliverer, DeliveryTarget } from '../delivery/deliverer.js';
import { isSessionClaims, RotatingAuthEngine } from '../sessions/tokens.js';
import { WIDGET_EVENTS, type WidgetContext, type WidgetEvent, type WidgetEvents } from '../sessions/widget-events.js';
import { parseConnectionQuery } from './connection-query.js';
import { bothSlotsReply } from './frames.js';
import { KeepAlive } from './keepalive.js';

export const SOCKET_PATH = '/socketcluster/';
/**
 * Close code sent on graceful shutdown: 1012 "service restart". Both client generations
 * reconnect on any code other than 1000 below 4500.
 */
export const CLOSE_SERVICE_RESTART = 1012;

export interface SocketServerOptions {
  authSecret: string;
  authSecretsPrevious: readonly string[];
  tokenTtlMs: number;
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
  handshakeTimeout: number;
}

/**
 * Outbound bytes a socket may leave unread before it is closed. A client that stops reading
 * would otherwise grow the server's memory; its unproven messages are replayed when it returns.
 */
export const DEFAULT_MAX_SOCKET_BUFFER = 1024 * 1024;
/** Close code for a socket closed over backpressure (< 4500: clients reconnect). */
export const CLOSE_BACKPRESSURE = 4100;

const KNOWN_EVENTS = new Set<string>(WIDGET_EVENTS);
/** Events whose reply must be a JSON string in both slots (real widgets JSON.parse the first). */
const BOTH_SLOT_EVENTS = new Set<string>(['registerUser', 'getSuggestions']);

/** One WebSocket client. */
export class Connection implements DeliveryTarget {
  readonly id: string;
  readonly keepalive: KeepAlive;
  readonly query: Record<string, string>;

  constructor(readonly socket: AGServerSocket, options: SocketServerOptions) {
    this.id = socket.id;
    this.query = parseConnectionQuery(socket.request.url);
    this.keepalive = new KeepAlive(socket, { pingInterval: options.pingInterval, pingTimeout: options.pingTimeout });
  }

  get open(): boolean {
    return this.socket.state === 'open';
  }

  send(frame: string): void {
    if (!this.open) return;
    if (this.socket.socket.bufferedAmount > DEFAULT_MAX_SOCKET_BUFFER) {
      this.socket.disconnect(CLOSE_BACKPRESSURE, 'client is not reading');
      return;
    }
    this.socket.send(frame);
  }

  ping(): number {
    return this.keepalive.ping();
  }

  /** The urn named by this socket's verified session token. */
  tokenUrn(): string | undefined {
    const token = this.socket.authToken;
    return isSessionClaims(token) ? token.urn : undefined;
  }
}

export interface SocketServerDeps {
  events: WidgetEvents;
  deliverer: Deliverer;
  log: Logger;
}

export class SocketServer {
  readonly server: AGServer;
  private readonly connections = new Map<string, Connection>();

  constructor(
    httpServer: HttpServer,
    private readonly options: SocketServerOptions,
    private readonly deps: SocketServerDeps,
  ) {
    this.server = attach(httpServer, {
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
    this.server.setMiddleware(this.server.MIDDLEWARE_INBOUND, (stream) => this.inboundMiddleware(stream));
    void this.consume('connection', ({ socket }: { socket: AGServerSocket }) => this.onConnection(socket));
    void this.consume('subscription', ({ socket, channel, subscriptionOptions }) => this.onSubscription(socket, channel, subscriptionOptions));
    void this.consume('unsubscription', ({ socket, channel }) => {
      const conn = this.connections.get(socket.id);
      if (conn) this.deps.deliverer.unsubscribe(conn, channel);
    });
    void this.consume('closure', ({ socket }: { socket: AGServerSocket }) => this.onClosure(socket));
    void this.consume('error', ({ error }: { error: Error }) => this.deps.log.warn({ err: error }, 'socket server error'));
    void this.consume('warning', ({ warning }: { warning: Error }) => this.deps.log.debug({ warning: warning?.message }, 'socket server warning'));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private async consume(event: string, handler: (packet: any) => unknown): Promise<void> {
    for await (const packet of this.server.listener(event)) {
      try {
        await handler(packet);
      } catch (err) {
        this.deps.log.error({ err, event }, 'socket event handler failed');
      }
    }
  }

  /** Who may do what: runs for every subscribe, publish, invoke and transmit. */
  private async inboundMiddleware(stream: AsyncIterable<AGAction>): Promise<void> {
    for await (const action of stream) {
      if (action.type === action.SUBSCRIBE) {
        const conn = this.connections.get(action.socket.id);
        const urn = conn?.tokenUrn();
        if (urn !== undefined && urn === action.channel) action.allow();
        else action.block(socketError(new GatewayError('WG_ERR_NOT_SESSION_OWNER', 'A socket may only subscribe to the session its auth token names; emit registerUser first.')));
      } else if (action.type === action.PUBLISH_IN) {
        action.block(socketError(new GatewayError('WG_ERR_PUBLISH_FORBIDDEN')));
      } else if (action.type === action.INVOKE || action.type === action.TRANSMIT) {
        const name = action.procedure ?? action.receiver ?? '';
        if (KNOWN_EVENTS.has(name)) action.allow();
        else action.block(socketError(new GatewayError('WG_ERR_UNKNOWN_EVENT', `The gateway does not know the event ${JSON.stringify(name.slice(0, 64))}.`)));
      } else {
        action.allow();
      }
    }
  }

  private async onConnection(socket: AGServerSocket): Promise<void> {
    const conn = new Connection(socket, this.options);
    this.connections.set(socket.id, conn);
    conn.keepalive.onPing = (n) => this.deps.deliverer.onPing(conn, n);
    conn.keepalive.onPong = (n) => this.deps.deliverer.onPong(conn, n);
    conn.keepalive.start();
    for (const name of WIDGET_EVENTS) {
      void this.serveProcedure(conn, name);
      void this.serveReceiver(conn, name);
    }
    const urn = conn.tokenUrn();
    if (urn !== undefined) {
      // Sliding expiry: every connection renews the token for another TOKEN_TTL.
      await socket.setAuthToken({ urn }).catch((err: unknown) => this.deps.log.warn({ err }, 'token renewal failed'));
    }
    this.deps.log.debug({ socket: socket.id, urn, remote: socket.remoteAddress }, 'socket connected');
  }

  private async onSubscription(socket: AGServerSocket, channel: string, options: unknown): Promise<void> {
    const conn = this.connections.get(socket.id);
    if (!conn) return;
    const since = (options as { data?: { since?: unknown } } | undefined)?.data?.since;
    await this.deps.deliverer.subscribe(conn, channel, Number.isSafeInteger(since) && (since as number) >= 0 ? (since as number) : undefined);
  }

  private onClosure(socket: AGServerSocket): void {
    const conn = this.connections.get(socket.id);
    if (!conn) return;
    this.connections.delete(socket.id);
    conn.keepalive.stop();
    this.deps.deliverer.detach(conn);
  }

  private context(conn: Connection): WidgetContext {
    return {
      tokenUrn: () => conn.tokenUrn(),
      query: conn.query,
      setSession: (urn) => conn.socket.setAuthToken({ urn }),
    };
  }

  private async handle(conn: Connection, name: WidgetEvent, data: unknown): Promise<unknown> {
    const ctx = this.context(conn);
    switch (name) {
      case 'registerUser':
        return { urn: await this.deps.events.registerUser(ctx, data) };
      case 'sendMessageToChannel': {
        const m = await this.deps.events.sendMessage(ctx, data);
        return { id: m.id, seq: m.seq };
      }
      case 'getHistory':
        return this.deps.events.getHistory(ctx, data);
      case 'getSuggestions':
        // The gateway has no NLP; answer in the shape widgets parse so they carry on.
        return { result: [] };
    }
  }

  /** Events emitted with a callback. One loop per event keeps each socket's events in order. */
  private async serveProcedure(conn: Connection, name: WidgetEvent): Promise<void> {
    for await (const request of conn.socket.procedure(name)) {
      let result: unknown;
      try {
        result = await this.handle(conn, name, request.data);
      } catch (err) {
        const gwErr = asGatewayError(err);
        if (gwErr.code === 'WG_ERR_INTERNAL') this.deps.log.error({ err, event: name }, 'widget event failed');
        this.reply(request, name, { error: gwErr.code, message: gwErr.message }, gwErr);
        continue;
      }
      this.reply(request, name, result);
    }
  }

  /** Events emitted without a callback (the v9 widget's sendMessageToChannel). */
  private async serveReceiver(conn: Connection, name: WidgetEvent): Promise<void> {
    for await (const data of conn.socket.receiver(name)) {
      try {
        await this.handle(conn, name, data);
      } catch (err) {
        const gwErr = asGatewayError(err);
        // Nobody to answer: log it where an operator can see why a message went missing.
        this.deps.log.info({ socket: conn.id, event: name, code: gwErr.code, reason: gwErr.message }, 'widget event refused');
      }
    }
  }

  private reply(request: AGRequest, name: string, body: unknown, error?: GatewayError): void {
    if (request.sent || request.socket.state !== 'open') return;
    if (BOTH_SLOT_EVENTS.has(name)) {
      request.sent = true;
      request.socket.send(bothSlotsReply(request.id, JSON.stringify(body)));
    } else if (error) {
      request.error(error.toSocketError());
    } else {
      request.end(body);
    }
  }

  /** Stops accepting; closes every socket with a code that makes clients reconnect elsewhere. */
  async close(): Promise<void> {
    for (const conn of this.connections.values()) {
      conn.keepalive.stop();
      conn.socket.disconnect(CLOSE_SERVICE_RESTART, 'server restarting');
    }
    await this.server.close();
  }
}

/** SocketCluster hydrates `name` and `message` into the client's Error (subscribeFail etc.). */
function socketError(err: GatewayError): Error {
  const e = new Error(err.message);
  e.name = err.code;
  return e;
}
