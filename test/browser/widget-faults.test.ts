// Nothing lost between the keyboard and the platform, in a real Chromium with the widget on a host
// site of another origin:
// - offline typing: the gateway is stopped, the visitor types three messages (shown as sending),
//   reloads once while they wait, the gateway comes back: the platform gets each exactly once, in
//   order, and the widget marks them sent;
// - kill -9 of the gateway while the platform sends 50 messages: the widget shows each exactly
//   once, in order.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchBrowser, watchPage } from '../helpers/browser.js';
import { spawnGateway, startGateway, tempDir, TEST_TOKEN, type GatewayProcess, type RunningGateway } from '../helpers/gateway.js';
import { PlatformStandIn, postToGateway } from '../helpers/platform.js';
import { bubbles, HostSite, marks, openChat, testOutputDir, type, W, waitOnline, waitUntil } from '../helpers/widget-page.js';

/** Console noise a dead gateway causes in Chromium; anything else is a page error. */
const connectionNoise = (e: string) => /WebSocket connection to .* failed|ERR_CONNECTION_REFUSED|net::ERR_/.test(e);

describe('widget: nothing lost between the keyboard and the platform (Chromium)', { timeout: 240_000 }, () => {
  let browser: Browser;
  let platform: PlatformStandIn;
  let site: HostSite;
  let gatewayUrl = '';
  const contexts: BrowserContext[] = [];
  before(async () => {
    browser = await launchBrowser();
    platform = await new PlatformStandIn().start();
    site = await new HostSite(() => gatewayUrl).start();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await platform?.stop();
    await site?.stop();
  });
  const newPage = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    return { page, errors: watchPage(page) };
  };

  it(
    'offline typing: three messages typed while the gateway is down, one reload, each reaches the platform exactly once, in order, marked sent',
    { timeout: 90_000 },
    async () => {
      const db = join(tempDir('wg-widget-offline-'), 'g.db');
      const env = { STORE_URL: `sqlite:${db}`, PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, ALLOWED_ORIGINS: site.origin };
      let gw: RunningGateway = await startGateway(env);
      gatewayUrl = gw.url;
      const port = gw.port;
      try {
        const { page, errors } = await newPage();
        await page.goto(site.origin + '/');
        await waitOnline(page);
        await openChat(page);
        const urn: string = await page.evaluate(() => (window as any).WebchatGateway.client.urn);

        await gw.stop();
        await page.waitForSelector(`${W}:not([data-status="online"])`, { state: 'attached' });
        const typed = ['first, typed offline', 'second, typed offline', 'third, typed offline'];
        for (const text of typed) await type(page, text);
        assert.deepEqual(await bubbles(page, 'in'), typed);
        assert.deepEqual(await marks(page), ['sending', 'sending', 'sending']);
        assert.equal(await page.locator(`${W} .msg.in .mark`).first().textContent(), 'Sending…');
        await page.screenshot({ path: join(testOutputDir('widget'), 'widget-offline-sending.png') });

        // Reloaded while they wait: the widget comes from the browser's cache (the gateway is
        // down), the messages from the outbox in localStorage.
        await page.reload();
        await page.locator(`${W} .launcher`).waitFor({ state: 'visible' });
        await openChat(page);
        assert.deepEqual(await bubbles(page, 'in'), typed, 'still shown after the reload');
        assert.deepEqual(await marks(page), ['sending', 'sending', 'sending']);
        assert.deepEqual(platform.textsFrom(urn), []);

        gw = await startGateway({ ...env, PORT: String(port) });
        await waitOnline(page, 30_000);
        await waitUntil(async () => (await marks(page)).every((m) => m === 'sent'), 'all three marked sent', 15_000);
        await waitUntil(() => platform.textsFrom(urn).length >= 3, 'three at the platform', 15_000);
        await new Promise((r) => setTimeout(r, 500)); // room for a duplicate to show up
        const received = platform.textsFrom(urn);
        assert.deepEqual(received, typed, 'each exactly once, in order');
        assert.deepEqual(await bubbles(page, 'in'), typed, 'shown once each');
        console.log(
          `# offline typing: typed ${typed.length}, received by the platform ${received.length}, shown ${(await bubbles(page, 'in')).length} (all marked sent)`,
        );
        assert.deepEqual(
          errors.errors.filter((e) => !connectionNoise(e)),
          [],
          errors.describe(),
        );
      } finally {
        await gw.stop();
      }
    },
  );

  it('kill -9 of the gateway while the platform sends 50 messages: the widget shows each exactly once, in order', { timeout: 120_000 }, async () => {
    const db = join(tempDir('wg-widget-kill-'), 'g.db');
    const env = { STORE_URL: `sqlite:${db}`, PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, ALLOWED_ORIGINS: site.origin };
    let gw: GatewayProcess = await spawnGateway(env);
    gatewayUrl = gw.url;
    const port = gw.port;
    try {
      const { page, errors } = await newPage();
      await page.goto(site.origin + '/');
      await waitOnline(page);
      await openChat(page);
      const urn: string = await page.evaluate(() => (window as any).WebchatGateway.client.urn);

      // The platform posts like courier: each message until it gets a 200, in order.
      const texts = Array.from({ length: 50 }, (_, i) => `platform message ${i + 1}`);
      let restarted: Promise<void> | undefined;
      let failedPosts = 0;
      for (let i = 0; i < texts.length; i++) {
        if (i === 20) {
          await gw.kill9();
          restarted = spawnGateway(env, port).then((g) => void (gw = g));
        }
        for (;;) {
          const r = await postToGateway(`http://127.0.0.1:${port}`, { id: `m${i}`, text: texts[i]!, to: urn }, { token: TEST_TOKEN }).catch(() => ({
            status: 0,
          }));
          if (r.status === 200) break;
          failedPosts++;
          await new Promise((res) => setTimeout(res, 100));
        }
      }
      await restarted;
      await waitUntil(async () => (await page.locator(`${W} .msg.out`).count()) >= 50, '50 messages in the widget', 40_000);
      await new Promise((r) => setTimeout(r, 1_000)); // room for a duplicate to show up
      const shown = await bubbles(page, 'out');
      assert.deepEqual(shown, texts, 'each exactly once, in order');
      console.log(
        `# kill -9: platform sent ${texts.length} (${failedPosts} posts refused while the gateway was down and retried), widget shows ${shown.length}, distinct ${new Set(shown).size}`,
      );
      assert.deepEqual(
        errors.errors.filter((e) => !connectionNoise(e)),
        [],
        errors.describe(),
      );
    } finally {
      await gw.stop();
    }
  });

  it('a message the gateway refuses for good is marked failed with a retry, and does not hold up the next ones', { timeout: 45_000 }, async () => {
    const gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, ALLOWED_ORIGINS: site.origin, MAX_TEXT_LENGTH: '20' });
    gatewayUrl = gw.url;
    try {
      const { page, errors } = await newPage();
      await page.goto(site.origin + '/');
      await waitOnline(page);
      await openChat(page);
      const urn: string = await page.evaluate(() => (window as any).WebchatGateway.client.urn);
      await type(page, 'this message is longer than the limit');
      await page.locator(`${W} .msg.in.failed .retry`).waitFor({ state: 'visible' });
      assert.equal(await page.locator(`${W} .msg.in .mark`).textContent(), 'Not sent.');
      await type(page, 'short one');
      await waitUntil(() => platform.textsFrom(urn).length === 1, 'the short one at the platform');
      // Confirmed messages are ordered by the gateway's seq; what it has not stored stays last.
      assert.deepEqual(await bubbles(page, 'in'), ['short one', 'this message is longer than the limit']);
      assert.deepEqual(await marks(page), ['sent', 'failed']);
      await page.screenshot({ path: join(testOutputDir('widget'), 'widget-failed-retry.png') });
      await page.locator(`${W} .retry`).click(); // still too long: failed again, sent nowhere
      await waitUntil(async () => (await marks(page))[1] === 'failed' && (await page.locator(`${W} .retry`).count()) === 1, 'failed again');
      assert.deepEqual(platform.textsFrom(urn), ['short one']);
      assert.deepEqual(errors.errors, [], errors.describe());
    } finally {
      await gw.stop();
    }
  });
});
