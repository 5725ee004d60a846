// The admin page (/admin/) in a real Chromium, as an operator uses it: sign in with the token,
// watch the overview move while widgets talk, find a session, read its conversation with
// delivery ticks, and retry a message the platform refused once the platform is back.
// Screenshots at desktop and phone sizes go to $TEST_OUTPUT_DIR/admin (default test-output/).
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, watchPage } from '../helpers/browser.js';
import { V9Widget, waitFor } from '../helpers/clients.js';
import { startGateway, TEST_TOKEN, tempDir, type RunningGateway } from '../helpers/gateway.js';
import { dataUrl, png } from '../helpers/media-files.js';
import { PlatformStandIn, postToGateway } from '../helpers/platform.js';

const ADMIN = 'admin-page-token';
const STEP = 15_000;
const OUT = join(process.env['TEST_OUTPUT_DIR'] ?? fileURLToPath(new URL('../../../test-output/', import.meta.url)), 'admin');

describe('admin page in Chromium', () => {
  let browser: Browser;
  let platform: PlatformStandIn;
  let gw: RunningGateway;
  const widgets = new Map<string, V9Widget>();
  let refuse = new Set<string>();

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    platform = await new PlatformStandIn().start();
    platform.responder = (_req, form) => (refuse.has(form.get('text') ?? '') ? { status: 400, body: 'rejected' } : undefined);
    gw = await startGateway({
      PLATFORM_URL: platform.url,
      WEBHOOK_TOKEN: TEST_TOKEN,
      ADMIN_TOKEN: ADMIN,
      STORE_URL: `sqlite:${join(tempDir('wg-admin-page-'), 'g.db')}`,
    });
    browser = await launchBrowser();
    // A few conversations to look at.
    for (const id of ['visitor-alice', 'visitor-bob', 'visitor-carol']) {
      const w = new V9Widget(gw.port);
      widgets.set(id, w);
      assert.ok((await w.register({ id })).urn);
      await w.subscribeAndWait();
      w.send(`Hi, this is ${id.slice(8)}`);
      await postToGateway(
        gw.url,
        { id: `${id}-1`, text: `Hello ${id.slice(8)}! How can I help?`, to: id, quick_replies: ['Opening hours', 'Talk to a person'] },
        { token: TEST_TOKEN },
      );
    }
    await waitFor(() => [...widgets.values()].every((w) => w.received.length === 1), STEP, 'replies delivered');
  });
  after(async () => {
    await browser?.close();
    for (const w of widgets.values()) w.close();
    await gw.stop();
    await platform.stop();
  });

  async function cardValue(page: Page, key: string): Promise<number> {
    return Number(await page.locator(`.card[data-key="${key}"] .value`).textContent());
  }

  async function signIn(page: Page): Promise<void> {
    await page.goto(gw.url + '/admin/');
    await page.locator('#token').waitFor({ state: 'visible', timeout: STEP });
    await page.fill('#token', 'not the token');
    await page.click('#login button[type=submit]');
    await page.locator('#login-error', { hasText: 'not accepted' }).waitFor({ timeout: STEP });
    await page.fill('#token', ADMIN);
    await page.click('#login button[type=submit]');
    await page.locator('.card[data-key="sessions"]').waitFor({ timeout: STEP });
  }

  it('an operator signs in, watches traffic, finds a session, reads it, and retries a refused message', { timeout: 90_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const errors = watchPage(page);
    await signIn(page);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('wg-admin-token')), ADMIN, 'the token is kept in sessionStorage');
    assert.ok((await cardValue(page, 'sessions')) >= 3);

    // The overview moves while widgets talk (it refreshes by itself every few seconds).
    const before = await cardValue(page, 'in');
    const alice = widgets.get('visitor-alice')!;
    for (let i = 0; i < 5; i++) alice.send(`question ${i}`);
    await waitFor(() => platform.textsFrom('visitor-alice').length === 6, STEP, 'platform got them');
    await page.waitForFunction((b) => Number(document.querySelector('.card[data-key="in"] .value')?.textContent) >= b + 5, before, { timeout: STEP });

    // Bob's message is refused by the platform (400): it fails and shows up for a retry.
    refuse = new Set(['Please call me back tomorrow']);
    widgets.get('visitor-bob')!.send('Please call me back tomorrow');
    await page.locator('#failed li', { hasText: 'Please call me back tomorrow' }).waitFor({ timeout: STEP });
    await page.waitForFunction(() => Number(document.querySelector('.card[data-key="failed"] .value')?.textContent) === 1, null, { timeout: STEP });

    // Find Bob and open his conversation: ticks per message.
    await page.fill('#search', 'visitor-b');
    await page.waitForFunction(
      () => [...document.querySelectorAll('#sessions li')].map((li) => (li as HTMLElement).dataset['urn']).join() === 'visitor-bob',
      null,
      { timeout: STEP },
    );
    await page.click('#sessions li[data-urn="visitor-bob"]');
    await page.locator('#messages .msg').nth(2).waitFor({ timeout: STEP });
    const states = await page
      .locator('#messages .msg')
      .evaluateAll((els) => els.map((e) => [e.className.split(' ')[1], (e as HTMLElement).dataset['state'], e.querySelector('.bubble')!.textContent]));
    assert.deepEqual(states, [
      ['in', 'sent', 'Hi, this is bob'],
      ['out', 'delivered', 'Hello bob! How can I help?'],
      ['in', 'failed', 'Please call me back tomorrow'],
    ]);
    assert.equal(await page.locator('#messages .msg.out .replies span').count(), 2);

    const desktop = join(OUT, 'admin-desktop.png');
    await page.screenshot({ path: desktop, fullPage: true });

    // The platform is back: retry from the failed list.
    refuse = new Set();
    await page.locator('#failed li', { hasText: 'Please call me back tomorrow' }).locator('button.retry').click();
    await waitFor(() => platform.textsFrom('visitor-bob').includes('Please call me back tomorrow'), STEP, 'the retried message reached the platform');
    await page.locator('#failed-empty').waitFor({ state: 'visible', timeout: STEP });
    await page.locator('#messages .msg[data-state="sent"]', { hasText: 'Please call me back tomorrow' }).waitFor({ timeout: STEP });
    await page.locator('#sessions li[data-urn="visitor-bob"] .pill.failed').waitFor({ state: 'detached', timeout: STEP });
    await page.screenshot({ path: join(OUT, 'admin-desktop-after-retry.png'), fullPage: true });

    // Reloading keeps the tab signed in; a new browser context asks for the token again.
    await page.reload();
    await page.locator('.card[data-key="sessions"]').waitFor({ timeout: STEP });
    const other = await browser.newContext();
    const fresh = await other.newPage();
    await fresh.goto(gw.url + '/admin/');
    await fresh.locator('#token').waitFor({ state: 'visible', timeout: STEP });
    await other.close();

    assert.ok(statSync(desktop).size > 10_000, 'a desktop screenshot was written');
    assert.deepEqual(
      errors.errors.filter((e) => !e.includes('401')),
      [],
      errors.describe(),
    );
    await context.close();
  });

  it("shows a visitor's photo in the conversation as a link to the file", { timeout: 60_000 }, async () => {
    const carol = widgets.get('visitor-carol')!;
    const sent = await carol.sendAck({ userUrn: 'visitor-carol', media: dataUrl('image/png', png(20, 20, [200, 80, 40])), text: 'the broken lid' });
    assert.equal(sent.err, null, JSON.stringify(sent.err));
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const errors = watchPage(page);
    await signIn(page);
    await page.click('#sessions li[data-urn="visitor-carol"]');
    const link = page.locator('#messages .msg.in .bubble a.file');
    await link.waitFor({ timeout: STEP });
    assert.equal(await link.getAttribute('href'), sent.data.media_url);
    assert.match((await link.textContent()) ?? '', /^image · .+\.png$/);
    assert.match((await link.locator('..').textContent()) ?? '', /^the broken lid/);
    await page.locator('#conversation').screenshot({ path: join(OUT, 'admin-conversation-file.png') });
    assert.deepEqual(
      errors.errors.filter((e) => !e.includes('401')),
      [],
      errors.describe(),
    );
    await context.close();
  });

  it('is readable on a phone: cards two by two, the conversation below the sessions', { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const errors = watchPage(page);
    await signIn(page);
    await page.click('#sessions li[data-urn="visitor-alice"]');
    await page.locator('#messages .msg').nth(3).waitFor({ timeout: STEP });
    // Nothing wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
    const cards = await page.locator('.card').evaluateAll((els) => els.slice(0, 2).map((e) => e.getBoundingClientRect().top));
    assert.equal(cards[0], cards[1], 'two cards per row');
    await page.screenshot({ path: join(OUT, 'admin-phone.png'), fullPage: true });
    await page.locator('#conversation').screenshot({ path: join(OUT, 'admin-phone-conversation.png') });
    assert.deepEqual(
      errors.errors.filter((e) => !e.includes('401')),
      [],
      errors.describe(),
    );
    await context.close();
  });
});
