// A stand-in for courier's Weni Web Chat (WWC) channel over real HTTP, following its contract
// (../shared/docs/wwc-protocol.md §5.2-5.3, courier handlers/weniwebchat):
//   POST /c/wwc/{uuid}/receive  JSON {type:"message", from, message:{type, timestamp, text}} ->
//     200 "Message Accepted"; 400 when from / timestamp (integer string) / content is missing;
//     200 "Ignored" for other types. The body is decoded as JSON whatever the Content-Type.
//   send(): posts {base_url}/send like courier's SendMsg: JSON, an Idempotency-Key per send
//     (the same on its retries), no credentials, at most 3 attempts on 429/502/503/504 or a
//     connection error.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';

/** Trusts the tests' self-signed gateway certificate (TLS_CERT), as courier trusts a real one. */
const trustingAgent = new Agent({ connect: { rejectUnauthorized: false } });

export interface WwcReceived {
  channel: string;
  contentType: string;
  body: any;
}

export class CourierWwcStandIn {
  readonly received: WwcReceived[] = [];
  attempts = 0;
  /** Return a status to answer with instead of the normal handling. */
  responder: (body: any) => number | undefined = () => undefined;
  private server!: Server;

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      this.attempts++;
      const m = /^\/c\/wwc\/([0-9a-f-]{36})\/receive$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) return void res.writeHead(404).end('not found');
      let body: any;
      try {
        body = JSON.parse(raw);
      } catch {
        return void res
          .writeHead(400, { 'content-type': 'application/json' })
          .end('{"message":"Error","data":[{"type":"error","error":"unable to parse request JSON"}]}');
      }
      const override = this.responder(body);
      if (override !== undefined) return void res.writeHead(override).end('{}');
      const ok = (status: number, message: string): void =>
        void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message, data: [] }));
      if (body.type !== 'message' || !['text', 'image', 'video', 'audio', 'file', 'location', 'order'].includes(body.message?.type)) return ok(200, 'Ignored');
      if (typeof body.from !== 'string' || body.from === '') return ok(400, 'Error: from is required');
      if (typeof body.message.timestamp !== 'string' || !/^\d+$/.test(body.message.timestamp))
        return ok(400, `Error: invalid timestamp: ${body.message.timestamp}`);
      if (body.message.type === 'text' && !body.message.text) return ok(400, 'Error: blank message, media, location or order');
      if (['image', 'video', 'audio', 'file'].includes(body.message.type) && !body.message.media_url)
        return ok(400, 'Error: blank message, media, location or order');
      this.received.push({ channel: m[1]!, contentType: req.headers['content-type'] ?? '', body });
      ok(200, 'Message Accepted');
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  textsFrom(from: string): string[] {
    return this.received.filter((r) => r.body.from === from).map((r) => r.body.message.text);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let sendCounter = 0;

/**
 * Posts one bot message (or typing_start) to the gateway as courier's WWC sender does. Returns
 * the last answer and how many attempts it took.
 */
export async function courierSend(
  baseUrl: string,
  body: { type?: 'message' | 'typing_start'; to: string; from?: string; channel_uuid?: string; message?: Record<string, unknown> },
  options: { idempotencyKey?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; attempts: number }> {
  const key = options.idempotencyKey ?? `${body.channel_uuid ?? 'ch'}-${process.hrtime.bigint()}-${++sendCounter}`;
  const payload = JSON.stringify({ type: body.type ?? 'message', from: 'Weni Web Chat', ...body });
  let last = { status: 0, body: undefined as any };
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const init = { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key, ...options.headers }, body: payload };
      const res = baseUrl.startsWith('https:')
        ? await undiciFetch(`${baseUrl}/send`, { ...init, dispatcher: trustingAgent })
        : await fetch(`${baseUrl}/send`, init);
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {}
      last = { status: res.status, body: parsed };
      if (![429, 502, 503, 504].includes(res.status)) return { ...last, attempts: attempt };
    } catch {
      last = { status: 0, body: undefined };
    }
    await new Promise((r) => setTimeout(r, 250 * attempt));
  }
  return { ...last, attempts: 3 };
}

/**
 * Bot files as courier's WWC channel sends them: one post per attachment,
 * `message{type, timestamp, media_url, caption}`, in order. Returns each post's HTTP status.
 */
export async function courierSendFiles(
  baseUrl: string,
  to: string,
  channelUuid: string,
  files: ReadonlyArray<readonly [url: string, type: string, caption: string]>,
): Promise<number[]> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const statuses: number[] = [];
  for (const [url, type, caption] of files) {
    statuses.push((await courierSend(baseUrl, { to, channel_uuid: channelUuid, message: { type, timestamp, media_url: url, caption } })).status);
  }
  return statuses;
}
