// The gateway's own widget (the demo page's chat) with files, in Chromium: the paperclip sends a
// PNG, the visitor's bubble shows it and courier gets a URL serving the same bytes; a bot image,
// audio file and PDF show inline / with controls / as a link; the demo bot sends a file back.
// Screenshots go to test-output/media/ (WG_TEST_OUTPUT).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, watchPage } from '../helpers/browser.js';
import { waitFor } from '../helpers/clients.js';
import { CourierWwcStandIn, courierSendFiles } from '../helpers/courier-wwc.js';
import { startGateway, TEST_CHANNEL, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { pdf, png, sha256, wav } from '../helpers/media-files.js';
import { PlatformStandIn, postToGateway } from '../helpers/platform.js';
import { HostSite, openChat, testOutputDir, W, waitOnline } from '../helpers/widget-page.js';

const BOT_FILES: Record<string, { type: string; body: Buffer }> = {
  '/product.png': { type: 'image/png', body: png(240, 160, [40, 120, 220]) },
  '/voice.wav': { type: 'audio/wav', body: wav(1) },
  '/invoice.pdf': { type: 'application/pdf', body: pdf('Invoice 42') },
};

describe("the gateway's widget exchanges files (Chromium)", { timeout: 120_000 }, () => {
  let browser: Browser;
  let courier: CourierWwcStandIn;
  let site: HostSite;
  let files: Server;
  let FILES = '';
  let gw: RunningGateway;
  let demo: RunningGateway;
  let ex: RunningGateway;
  let exPlatform: PlatformStandIn;
  let exSite: HostSite;
  const shots = testOutputDir('media');
  before(async () => {
    browser = await launchBrowser();
    courier = await new CourierWwcStandIn().start();
    site = await new HostSite(() => gw.url).start();
    files = createServer((req, res) => {
      const f = BOT_FILES[req.url ?? ''];
      if (!f) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': f.type, 'content-length': f.body.length }).end(f.body);
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    FILES = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    gw = await startGateway({ PLATFORM_URL: courier.url, PLATFORM_CHANNEL_TYPE: 'wwc', WEBHOOK_TOKEN: TEST_TOKEN, ALLOWED_ORIGINS: site.origin });
    demo = await startGateway({});
    exPlatform = await new PlatformStandIn().start();
    exSite = await new HostSite(() => ex.url).start();
    ex = await startGateway({ PLATFORM_URL: exPlatform.url, WEBHOOK_TOKEN: TEST_TOKEN, ALLOWED_ORIGINS: exSite.origin });
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await gw?.stop();
    await demo?.stop();
    await ex?.stop();
    await exPlatform?.stop();
    await exSite?.stop();
    await courier?.stop();
    await site?.stop();
    files?.close();
  });

  async function chat(url: string): Promise<{ page: Page; urn: string; errors: ReturnType<typeof watchPage> }> {
    const page = await (await browser.newContext({ viewport: { width: 1000, height: 800 } })).newPage();
    const errors = watchPage(page);
    await page.goto(url);
    await waitOnline(page);
    await openChat(page);
    const urn: string = await page.evaluate(() => (window as any).WebchatGateway.client.urn);
    return { page, urn, errors };
  }

  it("sends a PNG from the paperclip: the visitor's bubble shows it, courier gets a URL serving the same bytes", async () => {
    const { page, urn, errors } = await chat(site.origin + '/');
    const bytes = png(160, 100, [230, 90, 30]);
    await page.locator(`${W} input[type=file]`).setInputFiles({ name: 'lid.png', mimeType: 'image/png', buffer: bytes });
    await waitFor(() => courier.received.some((r) => r.body.from === urn), 10_000, 'the file at courier');
    const url: string = courier.received.find((r) => r.body.from === urn)!.body.message.media_url;
    const res = await fetch(url);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha256(bytes));
    const img = page.locator(`${W} .msg.in img.file-image`);
    await img.waitFor({ timeout: 10_000 });
    assert.equal(await img.getAttribute('src'), url);
    await page.waitForFunction((sel) => {
      const el = document.querySelector('#webchat-gateway')?.shadowRoot?.querySelector(sel) as HTMLImageElement | null;
      return el !== null && el !== undefined && el.complete && el.naturalWidth === 160;
    }, '.msg.in img.file-image');
    await page.screenshot({ path: join(shots, 'widget-visitor-image.png') });
    assert.deepEqual(errors.errors, []);
  });

  it('shows a bot image inline, audio with controls and a PDF as a link', async () => {
    const { page, urn } = await chat(site.origin + '/');
    const statuses = await courierSendFiles(`${gw.url}/hooks/${TEST_TOKEN}`, urn, TEST_CHANNEL, [
      [FILES + '/product.png', 'image', 'Our new lid'],
      [FILES + '/voice.wav', 'audio', 'A voice note'],
      [FILES + '/invoice.pdf', 'file', 'Your invoice'],
    ]);
    assert.deepEqual(statuses, [200, 200, 200]);
    await page.locator(`${W} .msg.out img.file-image`).waitFor({ timeout: 10_000 });
    await page.locator(`${W} .msg.out audio.file-audio`).waitFor({ state: 'attached', timeout: 10_000 });
    const link = page.locator(`${W} .msg.out a.file-link`);
    await link.waitFor({ timeout: 10_000 });
    assert.equal(await link.getAttribute('href'), FILES + '/invoice.pdf');
    assert.deepEqual(await page.locator(`${W} .msg.out .bubble`).allTextContents(), ['Our new lid', 'A voice note', 'invoice.pdfYour invoice']);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'widget-bot-media.png') });
  });

  it("shows the files courier's External channel appends to a text as files, without their bare URLs", async () => {
    const { page, urn } = await chat(exSite.origin + '/');
    // What courier's EX sender posts for a message with two attachments (test/courier/courier-media.test.ts).
    const text = `Here is the lid and the manual\n${FILES}/product.png\n${FILES}/invoice.pdf`;
    const r = await postToGateway(ex.url, { id: 'ex-files-1', text, to: urn }, { token: TEST_TOKEN });
    assert.equal(r.status, 200);
    await page.locator(`${W} .msg.out img.file-image`).waitFor({ timeout: 10_000 });
    const link = page.locator(`${W} .msg.out a.file-link`);
    await link.waitFor({ timeout: 10_000 });
    assert.equal(await link.getAttribute('href'), FILES + '/invoice.pdf');
    assert.equal(await page.locator(`${W} .msg.out img.file-image`).getAttribute('src'), FILES + '/product.png');
    assert.deepEqual(await page.locator(`${W} .msg.out .bubble`).allTextContents(), ['invoice.pdfHere is the lid and the manual']);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'widget-ex-bot-files.png') });
  });

  it('the demo bot (no platform) sends the file back, shown inline', async () => {
    const { page } = await chat(demo.url + '/');
    await page.locator(`${W} input[type=file]`).setInputFiles({ name: 'cake.png', mimeType: 'image/png', buffer: png(120, 80, [200, 160, 40]) });
    await page.locator(`${W} .msg.out img.file-image`).waitFor({ timeout: 10_000 });
    assert.match((await page.locator(`${W} .msg.out .bubble`).last().textContent()) ?? '', /You sent an image \(image\/png\)/);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'demo-page-file-round-trip.png') });
  });
});
