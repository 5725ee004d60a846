// The parts of socketcluster-server 20 the gateway uses (the package ships no types).
declare module 'socketcluster-server' {
  import type { IncomingMessage, Server as HttpServer } from 'node:http';
  import type { WebSocket } from 'ws';

  export interface AGRequest {
    id: number;
    procedure: string;
    data: unknown;
    sent: boolean;
    socket: AGServerSocket;
    end(data?: unknown): void;
    error(error: unknown): void;
  }

  export interface AGAction {
    type: string;
    socket: AGServerSocket;
    request?: IncomingMessage;
    channel?: string;
    procedure?: string;
    receiver?: string;
    data?: unknown;
    allow(packet?: { data?: unknown }): void;
    block(error?: Error): void;
    HANDSHAKE_WS: string;
    HANDSHAKE_SC: string;
    MESSAGE: string;
    TRANSMIT: string;
    INVOKE: string;
    SUBSCRIBE: string;
    PUBLISH_IN: string;
    AUTHENTICATE: string;
  }

  export interface ConsumableStream<T> extends AsyncIterable<T> {
    once(timeout?: number): Promise<T>;
  }

  export interface AGServerSocket {
    id: string;
    state: string;
    socket: WebSocket;
    request: IncomingMessage;
    remoteAddress: string;
    authToken: Record<string, unknown> | null;
    signedAuthToken: string | null;
    authState: string;
    send(data: string): void;
    sendObject(obj: unknown): void;
    disconnect(code?: number, reason?: string): void;
    terminate(): void;
    setAuthToken(data: object, options?: Record<string, unknown>): Promise<void>;
    deauthenticate(): Promise<void>;
    procedure(name: string): ConsumableStream<AGRequest>;
    receiver(name: string): ConsumableStream<unknown>;
    listener(name: string): ConsumableStream<unknown>;
    kickOut(channel?: string, message?: string): void;
    closeAllListeners(): void;
    killAllProcedures(): void;
    killAllReceivers(): void;
    getOutboundBackpressure(): number;
  }

  export interface AGServerOptions {
    path?: string;
    authKey?: string;
    authDefaultExpiry?: number;
    pingTimeout?: number;
    pingInterval?: number;
    pingTimeoutDisabled?: boolean;
    handshakeTimeout?: number;
    allowClientPublish?: boolean;
    maxPayload?: number;
    protocolVersion?: number;
    origins?: string;
    wsEngineServerOptions?: Record<string, unknown>;
    batchOnHandshake?: boolean;
    middlewareEmitFailures?: boolean;
    socketChannelLimit?: number;
    strictHandshake?: boolean;
  }

  /** What the server's listener(name) streams, for the events the gateway consumes. */
  export interface AGServerEvents {
    connection: { socket: AGServerSocket; id: string; pingTimeout: number; isAuthenticated: boolean };
    subscription: { socket: AGServerSocket; channel: string; subscriptionOptions: unknown };
    unsubscription: { socket: AGServerSocket; channel: string };
    closure: { socket: AGServerSocket; code?: number; reason?: string };
    error: { error: Error };
    warning: { warning: Error };
  }

  export interface AGServer {
    MIDDLEWARE_HANDSHAKE: string;
    MIDDLEWARE_INBOUND_RAW: string;
    MIDDLEWARE_INBOUND: string;
    MIDDLEWARE_OUTBOUND: string;
    clients: Record<string, AGServerSocket>;
    pendingClients: Record<string, AGServerSocket>;
    clientsCount: number;
    pendingClientsCount: number;
    setMiddleware(type: string, fn: (stream: AsyncIterable<AGAction>) => void | Promise<void>): void;
    setAuthEngine(engine: unknown): void;
    listener<K extends keyof AGServerEvents>(name: K): ConsumableStream<AGServerEvents[K]>;
    close(keepSocketsOpen?: boolean): Promise<void>;
  }

  export function attach(server: HttpServer, options?: AGServerOptions): AGServer;
}
