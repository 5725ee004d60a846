// The gateway's own page (GET /): a sample host site with the widget, chatting with the built-in
// demo bot in a real Chromium. What the old demo-page test proved, now through the widget: the
// echo and its quick replies, a quick reply answered, a reload that keeps the session and shows
// the conversation once, and two people who never see each other's messages.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page, WebSocket } from 'playwright-core';
import { launchBrowser, watchPage } from '../helpers/browser.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { bubbles, marks, openChat, type, W, waitBubble, waitOnline } from '../helpers/widget-page.js';

const JOKE = 'Why did the WebSocket stay calm? It always answered its pings.';
const QUICK = ['What can you do?', 'Tell me a joke', 'Bye'];

function countRegisters(page: Page): { n: number } {
  const c = { n: 0 };
  page.on('websocket', (ws: WebSocket) =>
    ws.on('framesent', (f) => {
      if (typeof f.payload === 'string' && f.payload.includes('"registerUser"')) c.n++;
    }),
  );
  return c;
}

const quickLabels = (page: Page) => page.locator(`${W} .quick button`).allTextContents();

describe('sample page (GET /) with the widget and the demo bot in Chromium', { timeout: 120_000 }, () => {
  let browser: Browser;
  let gw: RunningGateway;
  const contexts: BrowserContext[] = [];
  before(async () => {
    browser = await launchBrowser();
    gw = await startGateway({ DEMO_BOT_DELAY: '400ms' });
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await gw?.stop();
  });
  const newPage = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    return { context, page, errors: watchPage(page), registers: countRegisters(page) };
  };

  it('"hello" gets the echo with its quick replies, typing shown first; a quick reply gets the joke', { timeout: 45_000 }, async () => {
    const { page, errors, registers } = await newPage();
    await page.goto(gw.url + '/');
    assert.equal(await page.locator('script[src="/widget.js"]').count(), 1, 'the page embeds the widget with one script tag');
    await waitOnline(page);
    await openChat(page);
    assert.equal(await page.locator(`${W} .welcome`).textContent(), 'Hi! This is the demo bot of webchat-gateway. Say hello.');
    await type(page, 'hello');
    await page.locator(`${W} .typing`).waitFor({ state: 'visible' });
    await waitBubble(page, 'out', 'You said: hello');
    assert.equal(await page.locator(`${W} .typing`).isHidden(), true, 'typing ends with the answer');
    assert.deepEqual(await quickLabels(page), QUICK);
    // The quick replies belong to the answer they came with.
    assert.equal(await page.locator(`${W} .msg.out`, { hasText: 'You said: hello' }).locator('.quick button').count(), 3);
    assert.equal(await page.locator(`${W} textarea`).inputValue(), '', 'input cleared');

    await page.locator(`${W} .quick button`, { hasText: 'Tell me a joke' }).click();
    await waitBubble(page, 'out', JOKE);
    assert.deepEqual(await bubbles(page, 'in'), ['hello', 'Tell me a joke']);
    assert.deepEqual(await bubbles(page, 'out'), ['You said: hello', JOKE]);
    assert.deepEqual(await marks(page), ['sent', 'sent']);
    // Only the newest message offers its quick replies.
    assert.equal(await page.locator(`${W} .msg.out`, { hasText: 'You said: hello' }).locator('.quick').count(), 0);
    // Times: a <time> per message, machine-readable and within the last minute.
    const times = await page.locator(`${W} .msg time`).evaluateAll((els) => els.map((e) => [e.getAttribute('datetime'), e.textContent]));
    assert.equal(times.length, 4);
    for (const [iso, shown] of times) {
      assert.ok(Math.abs(Date.now() - Date.parse(iso!)) < 60_000, `time ${iso}`);
      assert.match(shown!, /\d{1,2}:\d{2}/);
    }
    assert.equal(registers.n, 1, 'registered once');
    assert.deepEqual(errors.errors, [], errors.describe());
  });

  it('a reload keeps the session (no second registerUser) and shows the conversation and what came meanwhile, once each', { timeout: 45_000 }, async () => {
    const { page, errors, registers } = await newPage();
    await page.goto(gw.url + '/');
    await waitOnline(page);
    await openChat(page);
    await type(page, 'before reload');
    await waitBubble(page, 'out', 'You said: before reload');
    const urn = await page.evaluate(() => (window as any).WebchatGateway.client.urn);
    await page.goto('about:blank');
    await gw.gateway.ingestPlatformMessage({ id: 'away-1', to: urn, text: 'while you were away', quick_replies: [] });
    await page.goto(gw.url + '/');
    await waitOnline(page);
    await openChat(page);
    await waitBubble(page, 'out', 'while you were away');
    const reloading = page.reload();
    await gw.gateway.ingestPlatformMessage({ id: 'away-2', to: urn, text: 'sent during the reload', quick_replies: ['Thanks'] });
    await reloading;
    await waitOnline(page);
    await openChat(page);
    await waitBubble(page, 'out', 'sent during the reload');
    await page.locator(`${W} .quick button`, { hasText: 'Thanks' }).click();
    await waitBubble(page, 'out', 'You said: Thanks');
    assert.equal(await page.evaluate(() => (window as any).WebchatGateway.client.urn), urn, 'same session');
    assert.equal(registers.n, 1, 'no registerUser after reloads');
    assert.deepEqual(await bubbles(page, 'in'), ['before reload', 'Thanks']);
    assert.deepEqual(await bubbles(page, 'out'), ['You said: before reload', 'while you were away', 'sent during the reload', 'You said: Thanks']);
    assert.deepEqual(errors.errors, [], errors.describe());
  });

  it("two people in two browser contexts get their own sessions and never see each other's messages", { timeout: 45_000 }, async () => {
    const a = await newPage();
    const b = await newPage();
    await Promise.all([a.page.goto(gw.url + '/'), b.page.goto(gw.url + '/')]);
    await Promise.all([waitOnline(a.page), waitOnline(b.page)]);
    await Promise.all([openChat(a.page), openChat(b.page)]);
    const [urnA, urnB] = await Promise.all([a.page, b.page].map((p) => p.evaluate(() => (window as any).WebchatGateway.client.urn)));
    assert.notEqual(urnA, urnB);
    await Promise.all([type(a.page, 'I am Alice'), type(b.page, 'I am Bob')]);
    await Promise.all([waitBubble(a.page, 'out', 'You said: I am Alice'), waitBubble(b.page, 'out', 'You said: I am Bob')]);
    await gw.gateway.ingestPlatformMessage({ id: 'only-a', to: urnA, text: 'private to Alice', quick_replies: [] });
    await gw.gateway.ingestPlatformMessage({ id: 'only-b', to: urnB, text: 'private to Bob', quick_replies: [] });
    await Promise.all([waitBubble(a.page, 'out', 'private to Alice'), waitBubble(b.page, 'out', 'private to Bob')]);
    await Promise.all([type(a.page, 'last A'), type(b.page, 'last B')]);
    await Promise.all([waitBubble(a.page, 'out', 'You said: last A'), waitBubble(b.page, 'out', 'You said: last B')]);
    assert.deepEqual(await bubbles(a.page, 'out'), ['You said: I am Alice', 'private to Alice', 'You said: last A']);
    assert.deepEqual(await bubbles(b.page, 'out'), ['You said: I am Bob', 'private to Bob', 'You said: last B']);
    assert.deepEqual(await bubbles(a.page, 'in'), ['I am Alice', 'last A']);
    assert.deepEqual([...a.errors.errors, ...b.errors.errors], []);
  });
});
