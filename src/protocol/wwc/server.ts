// The WWC front-end: WebSocket upgrades on any path ending in `/ws` (see upgrade-router.ts),
// admitted by the core like SocketCluster ones, then JSON frames translated into the core's
// calls (handlers.ts). Delivery comes from the shared deliverer through WwcConnection.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Admission } from '../../core/admission.js';
import type { ConnectionPolicy } from '../../core/connection-policy.js';
import { CLOSE_GRACE, CLOSE_SERVICE_RESTART, type ConnectionRegistry } from '../../core/connections.js';
import type { Deliverer } from '../../delivery/deliverer.js';
import { asGatewayError } from '../../errors/catalogue.js';
import type { Logger } from '../../log/logger.js';
import type { Metrics } from '../../metrics.js';
import { WwcConnection, type WwcConnectionOptions } from './connection.js';
import { errorFrame } from './frames.js';
import type { WwcHandlers } from './handlers.js';
import { FrameError, parseFrame, type Frame } from './validate.js';

export interface WwcServerOptions extends WwcConnectionOptions {
  /** Frames above this get an `error` frame; the connection stays. */
  maxPayload: number;
  /** Frames up to this size are read when they carry a file (`message.media`); 0: no files. */
  maxMediaFrame: number;
}

export interface WwcServerDeps {
  handlers: WwcHandlers;
  policy: ConnectionPolicy;
  admission: Admission;
  registry: ConnectionRegistry;
  deliverer: Deliverer;
  metrics: Metrics;
  log: Logger;
}

/**
 * Frames up to this many times MAX_PAYLOAD are read and answered with an `error` frame; beyond
 * it ws closes the socket (1009) rather than buffer without bound.
 */
export const HARD_PAYLOAD_FACTOR = 4;

export class WwcServer {
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<WwcConnection>();
  private closing = false;

  constructor(
    private readonly options: WwcServerOptions,
    private readonly deps: WwcServerDeps,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: Math.max(options.maxPayload * HARD_PAYLOAD_FACTOR, 1024 * 1024, options.maxMediaFrame + options.maxPayload),
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** An upgrade on a WWC path: admission first, then the WebSocket handshake. */
  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => {});
    if (this.closing) return refuse(socket, 503, 'shutting down');
    this.deps.admission.admit(req).then(
      (ip) => {
        // Released when the TCP connection ends, whether or not the handshake succeeded.
        socket.once('close', () => this.deps.admission.release(ip));
        if (socket.destroyed) return;
        this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, ip, socket));
      },
      (err: unknown) => {
        const e = asGatewayError(err);
        refuse(socket, e.status, `${e.code}: ${e.message}`);
      },
    );
  };

  private onConnection(ws: WebSocket, ip: string, socket: Duplex): void {
    const conn = new WwcConnection(ws, ip, this.options);
    if (this.closing) {
      ws.close(CLOSE_SERVICE_RESTART, 'server restarting');
      return;
    }
    this.connections.add(conn);
    this.deps.registry.add(conn);
    this.deps.metrics.wwcConnections.inc();
    conn.clock.onPing = (n) => this.deps.deliverer.onPing(conn, n);
    conn.clock.onPong = (n) => this.deps.deliverer.onPong(conn, n);
    conn.onBackpressure = () => this.deps.metrics.refuse('backpressure');
    conn.startKeepAlive(socket);
    this.deps.policy.awaitRegistration(conn, 'no register within REGISTER_TIMEOUT');
    ws.on('message', (data, isBinary) => this.onFrame(conn, data as Buffer, isBinary));
    ws.on('error', (err) => this.deps.log.debug({ err: err.message }, 'wwc socket error'));
    ws.on('close', () => this.onClose(conn));
  }

  private onFrame(conn: WwcConnection, data: Buffer, isBinary: boolean): void {
    const { clientRate, clientBurst } = this.options;
    const refuse = () => conn.send(errorFrame(`WG_ERR_RATE_LIMITED: too many frames; the limit is ${clientRate}/s with bursts of ${clientBurst}`));
    if (!this.deps.policy.admitEvent(conn, refuse)) return;
    let frame;
    try {
      if (isBinary) throw new FrameError('invalid payload: binary frames are not accepted; send JSON text');
      const large = data.length > this.options.maxPayload;
      if (large && data.length > this.options.maxMediaFrame) {
        this.deps.metrics.refuse('frame_size');
        throw new FrameError(
          `invalid payload: the frame has ${data.length} bytes; the limit is ${this.options.maxPayload} (MAX_PAYLOAD), ${this.options.maxMediaFrame} for a file (MAX_MEDIA_BYTES)`,
        );
      }
      frame = parseFrame(data.toString('utf8'));
      // Only a file may be that large.
      if (large && !carriesMedia(frame)) {
        this.deps.metrics.refuse('frame_size');
        throw new FrameError(
          `invalid payload: the frame has ${data.length} bytes; the limit is ${this.options.maxPayload} (MAX_PAYLOAD) for anything but a file`,
        );
      }
    } catch (err) {
      conn.send(errorFrame((err as Error).message));
      return;
    }
    // One frame at a time per connection, in arrival order.
    conn.queue = conn.queue.then(() => this.deps.handlers.handle(conn, frame));
  }

  private onClose(conn: WwcConnection): void {
    if (!this.connections.delete(conn)) return;
    conn.stop();
    this.deps.policy.release(conn);
    this.deps.registry.remove(conn);
    this.deps.metrics.wwcConnections.dec();
    this.deps.deliverer.detach(conn);
  }

  /** Closes every WWC socket with 1012 (push-webchat reconnects at once); cuts the silent ones after CLOSE_GRACE. */
  async close(): Promise<void> {
    this.closing = true;
    const all = [...this.connections];
    for (const conn of all) conn.close(CLOSE_SERVICE_RESTART, 'server restarting');
    const deadline = Date.now() + CLOSE_GRACE;
    while (all.some((c) => c.ws.readyState !== c.ws.CLOSED) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    for (const c of all) if (c.ws.readyState !== c.ws.CLOSED) c.ws.terminate();
    this.wss.close();
  }
}

function carriesMedia(frame: Frame): boolean {
  const m = frame['message'];
  return (
    (frame.type === 'message' || frame.type === 'message_with_fields') &&
    m !== null &&
    typeof m === 'object' &&
    typeof (m as Record<string, unknown>)['media'] === 'string'
  );
}

function refuse(socket: Duplex, status: number, reason: string): void {
  if (socket.destroyed) return;
  const body = reason.replace(/[\r\n]/g, ' ');
  socket.end(
    `HTTP/1.1 ${status} ${status === 429 ? 'Too Many Requests' : status === 403 ? 'Forbidden' : status === 503 ? 'Service Unavailable' : 'Bad Request'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
