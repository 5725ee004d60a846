// The real @weni/webchat-service 1.5.0 (in Node, as test/wwc/ drives it) sends a PDF with its own
// sendAttachment(): courier's WWC stand-in gets a URL serving the same bytes. Node has no FileReader: a minimal one (readAsDataURL
// over Blob.arrayBuffer) stands in for the browser's. And it shows the bot's files: live (it reads
// `message.media`, not `media_url`) and from history after a reconnect (`media_url`).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sleep, waitFor } from '../helpers/clients.js';
import { CourierWwcStandIn, courierSendFiles } from '../helpers/courier-wwc.js';
import { startGateway, TEST_CHANNEL, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { pdf, png, sha256 } from '../helpers/media-files.js';
import { createService, dispose, MemoryStorage } from '../helpers/wwc-clients.js';

/** What the platform serves for its own files (the gateway passes the URLs on untouched). */
const BOT_FILES: Record<string, { type: string; body: Buffer }> = {
  '/bot/lid.png': { type: 'image/png', body: png(120, 80, [40, 160, 90]) },
  '/bot/invoice.pdf': { type: 'application/pdf', body: pdf('Invoice 77') },
};

/** The bot's files the service holds: media URL, type as the library keeps it, caption or text. */
const botFiles = (service: any): any[] => service.getMessages().filter((m: any) => m.direction === 'incoming' && typeof m.media === 'string');

async function served(url: string): Promise<{ type: string | null; hash: string }> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return { type: res.headers.get('content-type'), hash: sha256(Buffer.from(await res.arrayBuffer())) };
}

class NodeFileReader {
  result: string | null = null;
  onload: (() => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  readAsDataURL(blob: Blob): void {
    blob.arrayBuffer().then(
      (buf) => {
        this.result = `data:${blob.type};base64,${Buffer.from(buf).toString('base64')}`;
        this.onload?.();
      },
      (err: unknown) => this.onerror?.(err),
    );
  }
}

describe('@weni/webchat-service 1.5.0 sends files', () => {
  let courier: CourierWwcStandIn;
  let gw: RunningGateway;
  let files: Server;
  let FILES = '';
  before(async () => {
    (globalThis as any).FileReader ??= NodeFileReader;
    files = createServer((req, res) => {
      const file = BOT_FILES[req.url ?? ''];
      if (!file) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length }).end(file.body);
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    FILES = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    courier = await new CourierWwcStandIn().start();
    gw = await startGateway({ PLATFORM_URL: courier.url, PLATFORM_CHANNEL_TYPE: 'wwc', WEBHOOK_TOKEN: TEST_TOKEN });
  });
  after(async () => {
    await gw.stop();
    await courier.stop();
    files.close();
  });

  it('sendAttachment(PDF) reaches courier as a media_url serving the same bytes', async () => {
    const { service } = createService({ socketUrl: `127.0.0.1:${gw.port}`, channelUuid: TEST_CHANNEL, host: courier.url });
    try {
      await service.init();
      const from: string = service.getSessionId();
      const bytes = pdf('Receipt 9');
      await service.sendAttachment(new File([new Uint8Array(bytes)], 'receipt.pdf', { type: 'application/pdf' }));
      await waitFor(() => courier.received.some((r) => r.body.from === from && r.body.message.type === 'file'), 10_000, 'the file at courier');
      const url: string = courier.received.find((r) => r.body.from === from)!.body.message.media_url;
      const res = await fetch(url);
      assert.equal(res.headers.get('content-type'), 'application/pdf');
      assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha256(bytes));
    } finally {
      dispose(service);
    }
  });

  it("shows a bot image and PDF sent by courier live (message.media) and again from history after a reconnect (media_url), each URL serving the platform's bytes", async () => {
    const storage = new MemoryStorage();
    const opts = { socketUrl: `127.0.0.1:${gw.port}`, channelUuid: TEST_CHANNEL, host: courier.url, storage };
    const first = createService(opts).service;
    let second: any;
    try {
      await first.init();
      const from: string = first.getSessionId();
      const statuses = await courierSendFiles(`${gw.url}/hooks/${TEST_TOKEN}`, from, TEST_CHANNEL, [
        [FILES + '/bot/lid.png', 'image', 'Your new lid'],
        [FILES + '/bot/invoice.pdf', 'file', 'Your invoice'],
      ]);
      assert.deepEqual(statuses, [200, 200]);
      await waitFor(() => botFiles(first).length === 2, 10_000, 'both files shown live');
      const live = botFiles(first);
      assert.deepEqual(
        live.map((m) => [m.media, m.text]),
        [
          [`${FILES}/bot/lid.png`, 'Your new lid'],
          [`${FILES}/bot/invoice.pdf`, 'Your invoice'],
        ],
      );
      for (const m of live) {
        const file = BOT_FILES[new URL(m.media).pathname]!;
        assert.deepEqual(await served(m.media), { type: file.type, hash: sha256(file.body) });
      }
      await sleep(200); // the delivery receipt
      dispose(first);

      // The same visitor whose page lost its cached conversation: only history can bring the files back.
      const stored = JSON.parse(storage.getItem('weni:webchat:session')!); // {_version, _timestamp, _data: session}
      assert.equal(stored._data.id, from);
      assert.equal(botFiles({ getMessages: () => stored._data.conversation }).length, 2, 'the files were cached');
      storage.setItem('weni:webchat:session', JSON.stringify({ ...stored, _data: { ...stored._data, conversation: [] } }));
      second = createService(opts).service;
      await second.init();
      assert.equal(second.getSessionId(), from, 'same visitor');
      await waitFor(() => botFiles(second).length === 2, 10_000, 'both files from history');
      const history = botFiles(second);
      assert.deepEqual(
        history.map((m) => [m.type, m.media, m.caption]),
        [
          ['image', `${FILES}/bot/lid.png`, 'Your new lid'],
          ['file', `${FILES}/bot/invoice.pdf`, 'Your invoice'],
        ],
      );
      for (const m of history) {
        const file = BOT_FILES[new URL(m.media).pathname]!;
        assert.deepEqual(await served(m.media), { type: file.type, hash: sha256(file.body) });
      }
    } finally {
      dispose(first);
      if (second) dispose(second);
    }
  });
});
