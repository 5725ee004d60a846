// The real @weni/webchat-service 1.5.0 (in Node, as test/wwc/ drives it) sends a PDF with its own
// sendAttachment(): courier's WWC stand-in gets a URL serving the same bytes. Node has no FileReader: a minimal one (readAsDataURL
// over Blob.arrayBuffer) stands in for the browser's.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/clients.js';
import { CourierWwcStandIn } from '../helpers/courier-wwc.js';
import { startGateway, TEST_CHANNEL, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { pdf, sha256 } from '../helpers/media-files.js';
import { createService, dispose } from '../helpers/wwc-clients.js';

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
  before(async () => {
    (globalThis as any).FileReader ??= NodeFileReader;
    courier = await new CourierWwcStandIn().start();
    gw = await startGateway({ PLATFORM_URL: courier.url, PLATFORM_CHANNEL_TYPE: 'wwc', WEBHOOK_TOKEN: TEST_TOKEN });
  });
  after(async () => {
    await gw.stop();
    await courier.stop();
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
});
