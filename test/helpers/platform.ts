// A platform stand-in that follows courier's External channel contract over real HTTP:
//   POST /c/ex/{channel}/receive   form: from, text, date   -> records the user message
//   POST /c/ex/{channel}/{delivered|failed|sent}   form: id (an integer) -> records the status
// answering with courier's status codes and "message" texts (checked against the real courier by
// test/courier/stand-in-vs-courier.test.ts). It is for the faults courier cannot be made to
// produce (outages, 429, slow or hanging answers: see `responder`);
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

const ACTIONS = new Set(['receive', 'delivered', 'failed', 'sent', 'stopped']);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const STATUS_LETTER: Record<string, string> = { delivered: 'D', failed: 'F', sent: 'S' };

export class PlatformStandIn {
  readonly received: ReceivedMessage[] = [];
  readonly statuses: StatusReport[] = [];
  /** Requests answered, whatever the status (to count retries). */
  attempts = 0;
  /** When set, other channel uuids are refused as courier refuses them (400). */
  channels: string[] | undefined;
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
      // Courier's answers (status and "message"), as test/courier/stand-in-vs-courier.test.ts checks.
      const json = (status: number, message: string, data: unknown[] = []) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message, data }));
      const error = (status: number, text: string) => json(status, status === 404 ? 'Not Found' : 'Error', [{ type: 'error', error: text }]);
      const path = (req.url ?? '').split('?')[0]!;
      const m = /^\/c\/ex\/([^/]+)\/([^/]+)$/.exec(path);
      if (!m || !ACTIONS.has(m[2]!) || req.method !== 'POST') {
        error(404, `not found: ${path}`);
        return;
      }
      const [, channel, action] = m as unknown as [string, string, string];
      if (this.channels && !this.channels.includes(channel)) {
        error(400, `unable to find channel with type: EX and uuid: ${channel}`);
        return;
      }
      if (action === 'receive' || action === 'stopped') {
        const from = form.get('sender') || form.get('from');
        if (!from) {
          error(400, "must have one of 'sender' or 'from' set");
          return;
        }
        const date = form.get('date') || form.get('time') || '';
        if (action === 'receive' && date !== '' && !RFC3339.test(date)) {
          error(400, 'invalid date format, must be RFC 3339');
          return;
        }
        if (action === 'stopped') {
          json(200, 'Event Accepted', [{ type: 'event', channel_uuid: channel, event_type: 'stop_contact', urn: `ext:${from}` }]);
          return;
        }
        this.received.push({ channel, from, text: form.get('text') ?? '', date, contentType: req.headers['content-type'] ?? '' });
        json(200, 'Message Accepted', [{ type: 'msg', channel_uuid: channel, text: form.get('text') ?? '', urn: `ext:${from}` }]);
        return;
      }
      // delivered | failed | sent: courier's ids are integers
      const id = form.get('id') ?? '';
      if (!/^-?\d+$/.test(id)) {
        error(400, id === '' ? "Key: 'statusForm.ID' Error:Field validation for 'ID' failed on the 'required' tag" : 'schema: error converting value for "id"');
        return;
      }
      this.statuses.push({ channel, kind: action, id });
      json(200, 'Status Update Accepted', [{ type: 'status', channel_uuid: channel, status: STATUS_LETTER[action], msg_id: Number(id) }]);
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
