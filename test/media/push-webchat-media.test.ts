// push-webchat 2.11.0 in headless Chromium (over the gateway's own TLS, as in test/wwc/) with
// files: a visitor picks a PNG in the widget's own file input, the gateway answers with an `ack`
// and the widget shows the image in the visitor's bubble; courier's stand-in gets a URL that
// returns the same bytes. Then the bot sends an image, an audio file and a PDF, which the widget
// renders. Screenshots go to test-output/media/ (WG_TEST_OUTPUT to move it).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Agent, fetch as undiciFetch } from 'undici';
import { launchBrowser, watchPage } from '../helpers/browser.js';
import { waitFor } from '../helpers/clients.js';
import { CourierWwcStandIn, courierSendFiles } from '../helpers/courier-wwc.js';
import { startGateway, tempDir, TEST_CHANNEL, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { testOutputDir } from '../helpers/widget-page.js';
import { pdf, png, sha256, wav } from '../helpers/media-files.js';
import { pushWebchatPage, startShopSite, type ShopSite } from '../helpers/push-webchat.js';
import { selfSignedCert } from '../helpers/tls.js';

const trusting = new Agent({ connect: { rejectUnauthorized: false } });

/** What the platform serves for its own files (the gateway never fetches them). */
const BOT_FILES: Record<string, { type: string; body: Buffer }> = {
  '/bot/product.png': { type: 'image/png', body: png(240, 160, [40, 120, 220]) },
  '/bot/voice.wav': { type: 'audio/wav', body: wav(1) },
  '/bot/invoice.pdf': { type: 'application/pdf', body: pdf('Invoice 42') },
};

describe('push-webchat 2.11.0 exchanges files through the gateway', { timeout: 3 * 60_000 }, () => {
  let browser: Browser;
  let gw: RunningGateway;
  let courier: CourierWwcStandIn;
  let site: ShopSite;
  let SITE = '';
  const shots = testOutputDir('media');

  before(async () => {
    site = await startShopSite(() => pushWebchatPage(gw.port, courier.url, 'Files test'), BOT_FILES);
    SITE = site.url;
    const { cert, key } = selfSignedCert();
    courier = await new CourierWwcStandIn().start();
    gw = await startGateway({
      PLATFORM_URL: courier.url,
      PLATFORM_CHANNEL_TYPE: 'wwc',
      WEBHOOK_TOKEN: TEST_TOKEN,
      TLS_CERT: cert,
      TLS_KEY: key,
      ALLOWED_ORIGINS: SITE,
      STORE_URL: `sqlite:${join(tempDir(), 'g.db')}`,
      PING_TIMEOUT: '10s',
    });
    browser = await launchBrowser();
    console.log(`# screenshots: ${shots}`);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await gw?.stop();
    await courier?.stop();
    site?.close();
  });

  /** Waits for a selector; on failure the test output names a screenshot and the messages' HTML. */
  async function shown(page: Page, selector: string, name: string): Promise<void> {
    try {
      await page.locator(selector).first().waitFor({ timeout: 10_000 });
    } catch (err) {
      await page.screenshot({ path: join(shots, `${name}-failed.png`), fullPage: true });
      const html = await page.evaluate(() => document.querySelector('#push-messages')?.outerHTML ?? document.body.outerHTML);
      throw new Error(`${selector} not shown (${join(shots, `${name}-failed.png`)}): ${(err as Error).message}\n${html.slice(0, 3000)}`, { cause: err });
    }
  }

  async function openPage(): Promise<{ page: Page; from: string; errors: ReturnType<typeof watchPage> }> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 480, height: 760 } });
    const page = await context.newPage();
    const errors = watchPage(page);
    await page.goto(`${SITE}/`, { waitUntil: 'load' });
    let from = '';
    await waitFor(() => from !== '' && courier.textsFrom(from).includes('start'), 15_000, 'the widget registered').catch(() => {});
    for (let i = 0; i < 300 && !(from && courier.textsFrom(from).includes('start')); i++) {
      from = (await page.evaluate(() => JSON.parse(localStorage.getItem('chat_session') ?? '{}').session_id as string | undefined)) ?? '';
      await page.waitForTimeout(50);
    }
    assert.ok(from, `registered: ${errors.describe()}`);
    return { page, from, errors };
  }

  it("uploads a PNG through the widget's own file input: the ack draws the visitor's image, courier gets a URL serving the same bytes as image/png", async () => {
    const { page, from, errors } = await openPage();
    const bytes = png(320, 200, [220, 60, 40]);
    await page.setInputFiles('#push-file-upload', { name: 'broken-lid.png', mimeType: 'image/png', buffer: bytes });
    await waitFor(() => courier.received.some((r) => r.body.from === from && r.body.message.type === 'image'), 15_000, 'the image at courier');
    const url: string = courier.received.find((r) => r.body.from === from && r.body.message.type === 'image')!.body.message.media_url;
    const res = await undiciFetch(url, { dispatcher: trusting });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha256(bytes));
    // The visitor's bubble: push-webchat draws it only from the ack, with media_url as the src.
    const img = page.locator('.push-from-client img');
    await shown(page, '.push-from-client img', 'push-webchat-visitor-image');
    assert.equal(await img.first().getAttribute('src'), url);
    await page.waitForFunction(() => {
      const el = document.querySelector<HTMLImageElement>('.push-from-client img');
      return el !== null && el.complete && el.naturalWidth === 320;
    });
    await page.screenshot({ path: join(shots, 'push-webchat-visitor-image.png') });
    assert.deepEqual(
      errors.errors.filter((e) => !/favicon|fonts\.googleapis|ERR_NAME_NOT_RESOLVED/.test(e)), // push-webchat loads Google Fonts; the test machine has no DNS
      [],
    );
  });

  it('renders a bot image, audio file and PDF sent by courier (one post per attachment, media_url)', async () => {
    const { page, from } = await openPage();
    const statuses = await courierSendFiles(`${gw.url}/hooks/${TEST_TOKEN}`, from, TEST_CHANNEL, [
      [SITE + '/bot/product.png', 'image', 'Our new lid'],
      [SITE + '/bot/voice.wav', 'audio', 'A voice note'],
      [SITE + '/bot/invoice.pdf', 'file', 'Your invoice'],
    ]);
    assert.deepEqual(statuses, [200, 200, 200]);
    await shown(page, '.push-from-response img', 'push-webchat-bot-image');
    await shown(page, '.push-from-response audio', 'push-webchat-bot-audio');
    await shown(page, '.push-from-response .push-document', 'push-webchat-bot-pdf');
    assert.equal(await page.locator('.push-from-response img').first().getAttribute('src'), `${SITE}/bot/product.png`);
    await page.waitForFunction(() => {
      const el = document.querySelector<HTMLImageElement>('.push-from-response img');
      return el !== null && el.complete && el.naturalWidth === 240;
    });
    assert.match(await page.locator('.push-from-response .push-document').first().innerText(), /Your invoice/);
    await page.screenshot({ path: join(shots, 'push-webchat-bot-media.png'), fullPage: true });
  });
});
