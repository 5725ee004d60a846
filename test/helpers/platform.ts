// A platform stand-in that follows courier's External channel contract over real HTTP:
//   POST /c/ex/{channel}/receive   form: from, text, date   -> records the user message
//   POST /c/ex/{channel}/{delivered|failed|sent}   form: id -> records the status
// and, in the other direction, posts to the gateway's /send the way courier does (JSON body
// from the README's template, or courier's default form body).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedMessage {
  channel: string;
  from: string;
  text: string;
  date: string;
  contentType: string;
}

export interface StatusReport {
  channel: string;
  kind: string;
  id: string;
}

/** A failure to inject; `stall` holds the request open until the test releases it. */
export type Responder = (
  req: IncomingMessage,
  form: URLSearchParams,
) => { status: number; headers?: Record<string, string>; body?: string; stall?: (release: () => void) => void } | undefined;

export class PlatformStandIn {
  readonly received: ReceivedMessage[] = [];
  readonly statuses: StatusReport[] = [];
  /** Requests answered, whatever the status (to count retries). */
  attempts = 0;
  /** Override to inject failures; return undefined for the normal 200. */
  responder: Responder = () => undefined;
  private server!: Server;

  async start(port = 0): Promise<this> {
    this.server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      this.attempts++;
      const override = this.responder(req, form);
      if (override?.stall) {
        override.stall(() => res.destroy());
        return;
      }
      if (override) {
        res.writeHead(override.status, override.headers ?? {});
        res.end(override.body ?? '');
        return;
      }
      const m = /^\/c\/ex\/([^/]+)\/(receive|delivered|failed|sent|stopped)$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) {
        res.writeHead(404).end('not found');
        return;
      }
      if (m[2] === 'receive') {
        if (!form.get('from') || form.get('text') === null) {
          res.writeHead(400).end('missing from or text');
          return;
        }
        this.received.push({ channel: m[1]!, from: form.get('from')!, text: form.get('text')!, date: form.get('date') ?? '', contentType: req.headers['content-type'] ?? '' });
      } else {
        this.statuses.push({ channel: m[1]!, kind: m[2]!, id: form.get('id') ?? '' });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"message":"Message Accepted"}');
    });
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return this;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  textsFrom(urn: string): string[] {
    return this.received.filter((m) => m.from === urn).map((m) => m.text);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface SendOptions {
  token?: string | undefined;
  /** 'json' (the README's body template) or 'form' (courier's default body). */
  format?: 'json' | 'form';
  path?: string;
}

/** Posts a platform message to the gateway like courier does. */
export async function postToGateway(
  gatewayUrl: string,
  msg: { id?: string | number; text: string; to: string; from?: string; channel?: string; quick_replies?: string[] },
  options: SendOptions = {},
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers['authorization'] = options.token;
  let body: string;
  if (options.format === 'form') {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(msg)) {
      if (k === 'quick_replies') for (const q of v as string[]) form.append('quick_reply', q);
      else if (v !== undefined) form.append(k, String(v));
    }
    body = form.toString();
  } else {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(msg);
  }
  const res = await fetch(gatewayUrl + (options.path ?? '/send'), { method: 'POST', headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed };
}
