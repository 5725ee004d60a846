// The widget on a host site of another origin (allowed by ALLOWED_ORIGINS), chatting with the
// platform stand-in (courier's External channel) in Chromium: messages both ways, typing, quick
// replies, the unread badge, two tabs of one visitor, the JavaScript API and languages, and an
// origin the gateway does not allow.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, watchPage } from '../helpers/browser.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { PlatformStandIn, postToGateway } from '../helpers/platform.js';
import { bubbles, HostSite, marks, openChat, type, W, waitBubble, waitOnline, waitUntil } from '../helpers/widget-page.js';

describe('widget on another origin with the platform stand-in (Chromium)', { timeout: 180_000 }, () => {
  let browser: Browser;
  let platform: PlatformStandIn;
  let site: HostSite;
  let gw: RunningGateway;
  const contexts: BrowserContext[] = [];
  before(async () => {
    browser = await launchBrowser();
    platform = await new PlatformStandIn().start();
    site = await new HostSite(() => gw.url).start();
    gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, ALLOWED_ORIGINS: site.origin });
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await gw?.stop();
    await platform?.stop();
    await site?.stop();
  });
  const newContext = async (locale = 'en-US') => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale });
    contexts.push(context);
    context.setDefaultTimeout(10_000);
    return context;
  };
  const urnOf = (page: Page): Promise<string> => page.evaluate(() => (window as any).WebchatGateway.client.urn);
  const reply = (urn: string, id: string, text: string, quick_replies: string[] = []) =>
    postToGateway(gw.url, { id, text, to: urn, from: 'bakery', quick_replies }, { token: TEST_TOKEN });

  it('visitor and platform talk: once each, typing from the platform, quick replies, times, unread badge', { timeout: 45_000 }, async () => {
    const page = await (await newContext()).newPage();
    const errors = watchPage(page);
    await page.goto(site.origin + '/');
    await waitOnline(page);
    await openChat(page);
    const urn = await urnOf(page);
    await type(page, 'Hi, is the shop open?');
    await waitUntil(() => platform.textsFrom(urn).length === 1, 'the message at the platform');
    await waitUntil(async () => (await marks(page))[0] === 'sent', 'marked sent');
    assert.equal(await page.locator(`${W} .msg.in .mark`).textContent(), '✓ Sent');

    const typing = await fetch(gw.url + '/send', {
      method: 'POST',
      headers: { authorization: TEST_TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'typing_start', to: urn }),
    });
    assert.equal(typing.status, 200);
    await page.locator(`${W} .typing`).waitFor({ state: 'visible' });
    assert.match((await page.locator(`${W} .typing`).textContent())!, /typing…/);
    assert.equal((await reply(urn, 'r1', 'Yes, until 6 pm. Anything else?', ['Reserve bread', 'No, thanks'])).status, 200);
    await waitBubble(page, 'out', 'Yes, until 6 pm.');
    assert.equal(await page.locator(`${W} .typing`).isHidden(), true, 'the answer ends the typing indicator');
    await page.locator(`${W} .quick button`, { hasText: 'Reserve bread' }).click();
    await waitUntil(() => platform.textsFrom(urn).length === 2, 'the quick reply at the platform');
    assert.deepEqual(platform.textsFrom(urn), ['Hi, is the shop open?', 'Reserve bread']);
    assert.equal(await page.locator(`${W} .quick`).count(), 0, 'quick replies go once answered');

    // Closed panel: new messages count on the badge; opening clears it.
    await page.locator(`${W} .close`).click();
    await reply(urn, 'r2', 'Reserved for you.');
    await reply(urn, 'r3', 'See you soon!');
    await waitUntil(async () => (await page.locator(`${W} .badge`).textContent()) === '2', 'badge shows 2');
    assert.match((await page.locator(`${W} .launcher`).getAttribute('aria-label'))!, /2 unread messages/);
    await openChat(page);
    assert.equal(await page.locator(`${W} .badge`).isHidden(), true);
    assert.deepEqual(await bubbles(page, 'out'), ['Yes, until 6 pm. Anything else?', 'Reserved for you.', 'See you soon!']);
    assert.deepEqual(await bubbles(page, 'in'), ['Hi, is the shop open?', 'Reserve bread']);
    assert.equal(await page.locator(`${W} .msg time`).count(), 5);
    assert.deepEqual(errors.errors, [], errors.describe());
  });

  it('two tabs of one visitor show the same conversation; what one tab sends reaches the platform once', { timeout: 45_000 }, async () => {
    const context = await newContext();
    const [one, two] = [await context.newPage(), await context.newPage()];
    await one.goto(site.origin + '/');
    await waitOnline(one);
    await two.goto(site.origin + '/');
    await waitOnline(two);
    await Promise.all([openChat(one), openChat(two)]);
    const urn = await urnOf(one);
    assert.equal(await urnOf(two), urn, 'one session for both tabs');
    await type(one, 'from tab one');
    await waitBubble(two, 'in', 'from tab one');
    await reply(urn, 't1', 'answer to both tabs');
    await Promise.all([waitBubble(one, 'out', 'answer to both tabs'), waitBubble(two, 'out', 'answer to both tabs')]);
    await type(two, 'from tab two');
    await waitBubble(one, 'in', 'from tab two');
    await waitUntil(() => platform.textsFrom(urn).length >= 2, 'both at the platform');
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(platform.textsFrom(urn), ['from tab one', 'from tab two'], 'each once, though both tabs share the outbox');
    for (const p of [one, two]) {
      await waitUntil(async () => (await marks(p)).every((m) => m === 'sent'), 'all sent in both tabs');
      assert.deepEqual(await bubbles(p, 'in'), ['from tab one', 'from tab two']);
      assert.deepEqual(await bubbles(p, 'out'), ['answer to both tabs']);
    }
  });

  it('WebchatGateway.init with options, open(), send(), on(); Portuguese and Spanish strings', { timeout: 45_000 }, async () => {
    const page = await (await newContext()).newPage();
    const config = { title: 'Padaria Exemplo', language: 'pt', welcome: 'Olá! Como podemos ajudar?', colors: { primary: '#8a3b12' }, position: 'left' };
    await page.goto(`${site.origin}/manual?config=${encodeURIComponent(JSON.stringify(config))}`);
    await waitOnline(page);
    await page.evaluate(() => (window as any).WebchatGateway.open());
    assert.equal(await page.locator(`${W} textarea`).getAttribute('placeholder'), 'Escreva uma mensagem…');
    assert.equal(await page.locator(`${W} .title`).textContent(), 'Padaria Exemplo');
    assert.equal(await page.locator(`${W} .welcome`).textContent(), 'Olá! Como podemos ajudar?');
    assert.equal(await page.locator(`${W} .header`).evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(138, 59, 18)');
    assert.ok((await page.locator(`${W} .launcher`).boundingBox())!.x < 100, 'launcher on the left');
    await page.evaluate(() => (window as any).WebchatGateway.send('olá pela API'));
    const urn = await urnOf(page);
    await waitUntil(() => platform.textsFrom(urn).length === 1, 'sent through the API');
    await reply(urn, 'pt1', 'Bom dia!');
    await waitBubble(page, 'out', 'Bom dia!');
    assert.deepEqual(await page.evaluate(() => (window as any).events), ['open', 'message: Bom dia!']);
    assert.match((await page.locator(`${W} .msg.in .mark`).textContent())!, /Enviada/);

    // Spanish from the browser's language, with no language option.
    const es = await (await newContext('es-ES')).newPage();
    await es.goto(`${site.origin}/manual?config=${encodeURIComponent('{}')}`);
    await es.evaluate(() => (window as any).WebchatGateway.open());
    assert.equal(await es.locator(`${W} textarea`).getAttribute('placeholder'), 'Escribe un mensaje…');
    assert.equal(await es.locator(`${W} .close`).getAttribute('aria-label'), 'Cerrar chat');
  });

  it('on a site whose origin the gateway does not allow, the widget stays offline and keeps what is typed', { timeout: 30_000 }, async () => {
    const other = await new HostSite(() => gw.url).start(); // another port: another origin
    try {
      const page = await (await newContext()).newPage();
      await page.goto(other.origin + '/');
      await openChat(page);
      await type(page, 'will wait');
      await new Promise((r) => setTimeout(r, 1_500));
      assert.notEqual(await page.locator(W).getAttribute('data-status'), 'online');
      assert.deepEqual(await marks(page), ['sending']);
      assert.equal(platform.received.filter((m) => m.text === 'will wait').length, 0);
    } finally {
      await other.stop();
    }
  });
});
