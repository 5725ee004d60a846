// Yardstick (a): the smallest socketcluster-server 20 relay that does what the gateway does,
// with no store, no checks and no delivery guarantees.
//   POST /send (JSON) -> exchange.transmitPublish(body.to, body), and the raw event
//                        receivedMessageFromChannel to the sockets subscribed to body.to (the
//                        wire contract has both, so the yardstick writes what the gateway writes)
//   registerUser      -> random urn, JSON string in both reply slots (v9 widgets read the first)
//   sendMessageToChannel -> POST form {from, text, date} to PLATFORM_URL/c/ex/{channel}/receive
// protocolVersion 1 so socketcluster-client 9.x keep-alive works. Prints "PORT <n>" when ready.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { attach } from 'socketcluster-server';
import { Pool } from 'undici';

const platformUrl = process.env['PLATFORM_URL'];
const channel = process.env['CHANNEL_UUID'] ?? '00000000-0000-4000-8000-00000000de70';
const platform = platformUrl ? new Pool(platformUrl, { connections: 64 }) : undefined;

const http = createServer((req, res) => void handle(req, res));

async function handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
  if (req.method === 'POST' && req.url === '/send') {
    let raw = '';
    for await (const c of req) raw += c;
    try {
      const body = JSON.parse(raw);
      const to = String(body.to);
      agServer.exchange.transmitPublish(to, body);
      for (const socket of subscribers.get(to) ?? []) socket.transmit('receivedMessageFromChannel', body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success"}');
    } catch {
      res.writeHead(400).end();
    }
    return;
  }
  res.writeHead(200).end('ok');
}

const subscribers = new Map<string, Set<any>>();
const agServer: any = attach(http, { protocolVersion: 1, path: '/socketcluster/' });

async function forward(urn: string, text: string): Promise<void> {
  if (!platform) return;
  const body = new URLSearchParams({ from: urn, text, date: new Date().toISOString() }).toString();
  try {
    const r = await platform.request({
      method: 'POST',
      path: `/c/ex/${channel}/receive`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    await r.body.dump();
  } catch {}
}

void (async () => {
  for await (const { socket } of agServer.listener('connection')) {
    void (async () => {
      for await (const { channel } of socket.listener('subscribe')) {
        let set = subscribers.get(channel);
        if (!set) subscribers.set(channel, (set = new Set()));
        set.add(socket);
      }
    })();
    void (async () => {
      // Also emitted for every channel when the socket closes.
      for await (const { channel } of socket.listener('unsubscribe')) subscribers.get(channel)?.delete(socket);
    })();
    void (async () => {
      for await (const request of socket.procedure('registerUser')) {
        const json = JSON.stringify(JSON.stringify({ urn: randomUUID() }));
        request.sent = true;
        socket.send(`{"rid":${request.id},"error":${json},"data":${json}}`);
      }
    })();
    void (async () => {
      for await (const data of socket.receiver('sendMessageToChannel')) {
        const d = data as { text?: string; userUrn?: string };
        void forward(String(d.userUrn), String(d.text));
      }
    })();
  }
})();

http.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`PORT ${(http.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
