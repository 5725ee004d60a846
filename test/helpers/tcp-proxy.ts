// A TCP proxy for fault tests. A test can cut it (block(): every connection dropped and new ones
// refused, as a network partition would), and it can throttle what flows back from the target to
// `bytesPerSecond` (a slow mobile or congested link); client -> target is never limited.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export class TcpProxy {
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  private blocked = false;

  constructor(
    private readonly targetPort: number,
    private readonly options: { bytesPerSecond?: number } = {},
  ) {}

  async start(): Promise<this> {
    this.server = createServer((client) => {
      if (this.blocked) {
        client.destroy();
        return;
      }
      const upstream = createConnection(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream);
      const rate = this.options.bytesPerSecond;
      if (rate === undefined) {
        upstream.pipe(client);
      } else {
        upstream.on('data', (chunk: Buffer) => {
          upstream.pause();
          client.write(chunk);
          setTimeout(() => upstream.resume(), (chunk.length / rate) * 1000).unref();
        });
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Drops every connection and refuses new ones until unblock(). */
  block(): void {
    this.blocked = true;
    for (const s of this.sockets) s.destroy();
  }

  unblock(): void {
    this.blocked = false;
  }

  async stop(): Promise<void> {
    this.block();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
