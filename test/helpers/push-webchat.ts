// push-webchat 2.11.0 as a shop's page embeds it: the npm bundle (lib/index.js, React included)
// and a page that loads it, served from loopback (Chromium's local network access checks would
// block a page of a public origin from opening sockets to 127.0.0.1).
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { TEST_CHANNEL } from './gateway.js';

const require = createRequire(import.meta.url);

export const PUSH_WEBCHAT_BUNDLE = readFileSync(require.resolve('push-webchat/lib/index.js'), 'utf8');

/**
 * The shop's page: push-webchat over wss to the gateway at 127.0.0.1:`port`, courier at `host`,
 * TEST_CHANNEL, initPayload "start", local storage, no message delay, opened at load.
 */
export function pushWebchatPage(port: number, host: string, title: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title></head><body>
<h1>Example shop</h1><div id="webchat"></div>
<script src="/push-webchat.js"></script>
<script>
  WebChat.default.init({ selector: '#webchat', socketUrl: 'https://127.0.0.1:${port}', channelUuid: '${TEST_CHANNEL}', host: '${host}',
    initPayload: 'start', title: '${title}', params: { storage: 'local' }, customMessageDelay: () => 0 });
  WebChat.open();
</script></body></html>`;
}

export interface ShopSite {
  /** http://127.0.0.1:<port> */
  url: string;
  close(): void;
}

/**
 * Serves /push-webchat.js, the platform's own `files` (path -> content type and bytes), and
 * `page()` (called per request, so it may follow a gateway that moved) for any other path.
 */
export async function startShopSite(page: () => string, files: Record<string, { type: string; body: Buffer }> = {}): Promise<ShopSite> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/push-webchat.js') return void res.writeHead(200, { 'content-type': 'application/javascript' }).end(PUSH_WEBCHAT_BUNDLE);
    const file = files[req.url ?? ''];
    if (file) return void res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length }).end(file.body);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}
