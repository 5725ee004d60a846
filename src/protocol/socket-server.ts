// The SocketCluster side of the gateway: attaches socketcluster-server to the HTTP server,
// enforces who may subscribe and publish, runs keep-alive for both client generations, and
// routes widget events to the session logic.
import type { Server as HttpServer } from 'node:http';
import { attach, type AGAction, type AGRequest, type AGServer, type AGServerSocket } from 'socketcluster-server';
import { asGatewayError, GatewayError, type ErrorCode } from '../errors/catalogue.js';
import type { Logger } from '../log/logger.js';
import type { Deliverer, DeliveryTarget } from '../delivery/deliverer.js';
import type { AddressLimits } from '../limits/address-limits.js';
import { clientIp, TrustedProxies } from '../limits/client-ip.js';
import type { OriginPolicy } from '../limits/origins.js';
import { TokenBucket } from '../limits/token-bucket.js';
import type { Metrics } from '../metrics.js';
import type { SessionRecord, Store } from '../store/store.js';
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

/** Close code for a socket that kept emitting past its rate limit (< 4500: it may come back). */
export const CLOSE_RATE_ABUSE = 4400;
/** Close code for a socket that never registered (>= 4500: clients do not reconnect). */
export const CLOSE_REGISTER_TIMEOUT = 4501;
/** Close code for a session ended by the admin API (>= 4500: clients do not reconnect). */
export const CLOSE_SESSION_ENDED = 4510;
/** Refused events within ABUSE_WINDOW beyond which a socket is closed, as a multiple of the burst. */
export const ABUSE_WINDOW = 10_000;
/** How long a shutdown waits for clients to answer the close before cutting them. */
export const CLOSE_GRACE = 1_000;

export interface SocketServerOptions {
  origins: OriginPolicy;
  clientRate: number;
  clientBurst: number;
  maxConnectionsPerIp: number;
  maxRegistrationsPerMinute: number;
  trustedProxies: readonly string[];
  registerTimeout: number;
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
/** Above this much unsent output, delivery waits for the socket to drain before sending more. */
export const SEND_HIGH_WATER = 256 * 1024;
export const DRAIN_POLL = 10;
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
  readonly ip: string;
  readonly bucket: TokenBucket;
  /** The session this socket may act for: its token's urn, once checked against the store. */
  sessionUrn: string | undefined;
  /** Settles once the token the socket connected with has been checked. */
  verified: Promise<void> = Promise.resolve();
  refusedAt: number[] = [];
  onBackpressure: (() => void) | undefined;
  registerTimer: NodeJS.Timeout | undefined;

  constructor(readonly socket: AGServerSocket, options: SocketServerOptions, ip: string) {
    this.id = socket.id;
    this.ip = ip;
    this.query = parseConnectionQuery(socket.request.url);
    this.keepalive = new KeepAlive(socket, { pingInterval: options.pingInterval, pingTimeout: options.pingTimeout });
    this.bucket = new TokenBucket(options.clientRate, options.clientBurst);
  }

  get open(): boolean {
    return this.socket.state === 'open';
  }

  send(frame: string): void {
    if (!this.open) return;
    if (this.socket.socket.bufferedAmount > DEFAULT_MAX_SOCKET_BUFFER) {
      this.onBackpressure?.();
      this.socket.disconnect(CLOSE_BACKPRESSURE, 'client is not reading');
      return;
    }
    this.socket.send(frame);
  }

  ping(): number {
    return this.keepalive.ping();
  }

  congested(): boolean {
    return this.socket.socket.bufferedAmount > SEND_HIGH_WATER;
  }

  async drained(): Promise<void> {
    // Polled: ws exposes no event for its own buffer; a stuck peer is closed by the keep-alive.
    while (this.open && this.congested()) await new Promise((r) => setTimeout(r, DRAIN_POLL));
  }

  tokenUrn(): string | undefined {
    return this.sessionUrn;
  }
}

export interface SocketServerDeps {
  events: WidgetEvents;
  deliverer: Deliverer;
  store: Store;
  metrics: Metrics;
  log: Logger;
  /** Connections and registrations per client address (per process, or shared in Redis). */
  limits: AddressLimits;
}

const IP = Symbol('clientIp');

export class SocketServer {
  readonly server: AGServer;
  private readonly connections = new Map<string, Connection>();
  private readonly trusted: TrustedProxies;

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
    this.trusted = new TrustedProxies(options.trustedProxies);
    this.server.setAuthEngine(new RotatingAuthEngine(options.authSecretsPrevious));
    this.server.setMiddleware(this.server.MIDDLEWARE_HANDSHAKE, (stream) => this.handshakeMiddleware(stream));
    this.server.setMiddleware(this.server.MIDDLEWARE_INBOUND, (stream) => this.inboundMiddleware(stream));
    void this.consume('connection', ({ socket }: { socket: AGServerSocket }) => this.onConnection(socket));
    void this.consume('subscription', ({ socket, channel, subscriptionOptions }) => this.onSubscription(socket, channel, subscriptionOptions));
    void this.consume('unsubscription', ({ socket, channel }) => {
      const conn = this.connections.get(socket.id);
      if (conn) this.deps.deliverer.unsubscribe(conn, channel);
    });
    void this.consume('closure', ({ socket }: { socket: AGServerSocket }) => this.onClosure(socket));
    // Socket errors are mostly bad client input (unparsable frames): debug, or a flood of
    // garbage would become a flood of log lines.
    void this.consume('error', ({ error }: { error: Error }) => this.deps.log.debug({ err: error?.message }, 'socket error'));
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

  /** Before the WebSocket upgrade: origin and connections per address. */
  private async handshakeMiddleware(stream: AsyncIterable<AGAction>): Promise<void> {
    for await (const action of stream) {
      if (action.type !== action.HANDSHAKE_WS || !action.request) {
        action.allow();
        continue;
      }
      const req = action.request;
      const origin = req.headers.origin;
      if (!this.options.origins.allows(origin)) {
        this.deps.metrics.refuse('origin');
        action.block(handshakeError('WG_ERR_ORIGIN_NOT_ALLOWED', `the origin ${JSON.stringify(String(origin ?? '(none)').slice(0, 200))} may not open chat sockets; the operator must add it to ALLOWED_ORIGINS.`));
        continue;
      }
      // Not awaited: a limit kept in Redis must not hold up the handshakes behind this one.
      void this.admitAddress(action, req);
    }
  }

  /** Connections per address (AddressLimits): counted from here, released in onClosure. */
  private async admitAddress(action: AGAction, req: NonNullable<AGAction['request']>): Promise<void> {
    const ip = clientIp(req, this.trusted);
    const { allowed, open } = await this.deps.limits.acquire(ip);
    if (!allowed) {
      this.deps.metrics.refuse('connections_per_ip');
      action.block(handshakeError('WG_ERR_TOO_MANY_CONNECTIONS', `${open} sockets are open from your address (MAX_CONNECTIONS_PER_IP).`));
      return;
    }
    if (req.socket.destroyed) {
      this.deps.limits.release(ip); // the client left while it was counted
      action.block(new Error('client went away'));
      return;
    }
    (req as unknown as Record<symbol, string>)[IP] = ip;
    action.allow();
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
      if (!conn.bucket.take()) {
        this.deps.metrics.refuse('event_rate');
        action.block(socketError(new GatewayError('WG_ERR_RATE_LIMITED', `Too many events; the limit is ${this.options.clientRate}/s with bursts of ${this.options.clientBurst}.`)));
        this.noteAbuse(conn);
        continue;
      }
      if (action.type === action.SUBSCRIBE) {
        // Checked in order, without holding up other sockets' middleware.
        await conn.verified;
        const urn = conn.tokenUrn();
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

  /** Refusals keep coming: more than twice the burst within ABUSE_WINDOW closes the socket. */
  private noteAbuse(conn: Connection): void {
    const now = Date.now();
    conn.refusedAt = conn.refusedAt.filter((t) => now - t < ABUSE_WINDOW);
    conn.refusedAt.push(now);
    if (conn.refusedAt.length > 2 * this.options.clientBurst) {
      this.deps.metrics.refuse('rate_abuse_close');
      this.deps.log.warn({ socket: conn.id, ip: conn.ip }, 'socket closed for sustained event flood');
      conn.socket.disconnect(CLOSE_RATE_ABUSE, 'rate limit exceeded');
    }
  }

  /** The Connection of a socket, created on first sight (middleware can run before 'connection'). */
  private connectionFor(socket: AGServerSocket): Connection {
    let conn = this.connections.get(socket.id);
    if (!conn) {
      const ip = (socket.request as unknown as Record<symbol, string>)[IP] ?? clientIp(socket.request, this.trusted);
      conn = new Connection(socket, this.options, ip);
      this.connections.set(socket.id, conn);
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
    try {
      const session = await this.deps.store.getSession(token.urn);
      if (session && (token.sc === undefined || token.sc === session.createdAt)) conn.sessionUrn = token.urn;
    } catch (err) {
      this.deps.log.warn({ err }, 'could not check the session of a token');
    }
  }

  /** Binds a socket to a session: signs the token the client keeps. */
  private async setSession(conn: Connection, session: SessionRecord): Promise<void> {
    conn.sessionUrn = session.urn;
    clearTimeout(conn.registerTimer);
    await conn.socket.setAuthToken({ urn: session.urn, sc: session.createdAt });
  }

  /** Ends a session's sockets on this process (admin API). */
  kick(urn: string): number {
    let n = 0;
    for (const conn of this.connections.values()) {
      if (conn.sessionUrn === urn) {
        conn.sessionUrn = undefined;
        conn.socket.disconnect(CLOSE_SESSION_ENDED, 'session ended');
        n++;
      }
    }
    return n;
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
      conn.registerTimer = setTimeout(() => {
        if (conn.tokenUrn() !== undefined || !conn.open) return;
        this.deps.metrics.refuse('register_timeout');
        conn.socket.disconnect(CLOSE_REGISTER_TIMEOUT, 'no registration within REGISTER_TIMEOUT');
      }, this.options.registerTimeout);
      conn.registerTimer.unref();
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
      delete (socket.request as unknown as Record<symbol, string>)[IP]; // released once
      this.deps.limits.release(ip);
    }
    const conn = this.connections.get(socket.id);
    if (!conn) return;
    this.connections.delete(socket.id);
    this.deps.metrics.connections.dec();
    clearTimeout(conn.registerTimer);
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
    const ctx = this.context(conn);
    switch (name) {
      case 'registerUser':
        if (!(await this.deps.limits.registrationAllowed(conn.ip))) {
          this.deps.metrics.refuse('registrations_per_ip');
          throw new GatewayError('WG_ERR_RATE_LIMITED', `Too many registrations from your address; the limit is ${this.options.maxRegistrationsPerMinute} a minute.`);
        }
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

  /**
   * Stops accepting; closes every socket with a code that makes clients reconnect elsewhere.
   * A peer that does not answer the close (frozen tab, vanished network) is cut after
   * CLOSE_GRACE instead of holding the shutdown for ws's 30 s close timeout.
   */
  async close(): Promise<void> {
    // keepSocketsOpen: socketcluster-server would terminate them (1006); we close them with 1012.
    // socketcluster-server forgets a socket as soon as it is asked to close it, so the ws
    // sockets are collected first to see which ones really closed.
    const wsSockets = [...Object.values(this.server.clients), ...Object.values(this.server.pendingClients)].map((c) => c.socket);
    const closing = this.server.close(true);
    for (const conn of this.connections.values()) {
      conn.keepalive.stop();
      conn.socket.disconnect(CLOSE_SERVICE_RESTART, 'server restarting');
    }
    for (const client of Object.values(this.server.pendingClients)) client.disconnect(CLOSE_SERVICE_RESTART, 'server restarting');
    const deadline = Date.now() + CLOSE_GRACE;
    while (wsSockets.some((ws) => ws.readyState !== ws.CLOSED) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    for (const ws of wsSockets) if (ws.readyState !== ws.CLOSED) ws.terminate();
    await closing;
  }

}

/** A refused upgrade: ws answers the HTTP upgrade with 401 and this text as the reason. */
function handshakeError(code: ErrorCode, detail: string): Error {
  return new Error(`${code}: ${detail}`);
}

/** SocketCluster hydrates `name` and `message` into the client's Error (subscribeFail etc.). */
function socketError(err: GatewayError): Error {
  const e = new Error(err.message);
  e.name = err.code;
  return e;
}
