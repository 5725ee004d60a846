// How the widget looks and who can use it: screenshots at desktop and phone sizes in light and
// dark (written to test-output/widget/, to be looked at), a hostile host stylesheet that must not
// reach into it, axe-core's accessibility rules, and the keyboard.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, watchPage } from '../helpers/browser.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { HostSite, openChat, testOutputDir, type, W, waitBubble, waitOnline } from '../helpers/widget-page.js';

const require = createRequire(import.meta.url);

describe('widget look, isolation and accessibility in Chromium', { timeout: 150_000 }, () => {
  let browser: Browser;
  let gw: RunningGateway;
  let site: HostSite;
  const contexts: BrowserContext[] = [];
  const shots = testOutputDir('widget');
  before(async () => {
    browser = await launchBrowser();
    site = await new HostSite(() => gw.url).start();
    gw = await startGateway({ ALLOWED_ORIGINS: site.origin, DEMO_BOT_DELAY: '50ms' });
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await gw?.stop();
    await site?.stop();
  });

  async function page(options: {
    width: number;
    height: number;
    dark?: boolean;
    path?: string;
    mobile?: boolean;
  }): Promise<{ page: Page; errors: ReturnType<typeof watchPage> }> {
    const context = await browser.newContext({
      viewport: { width: options.width, height: options.height },
      colorScheme: options.dark ? 'dark' : 'light',
      ...(options.mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
      locale: 'en-US',
    });
    contexts.push(context);
    context.setDefaultTimeout(10_000);
    const p = await context.newPage();
    const errors = watchPage(p);
    await p.goto(site.origin + (options.path ?? '/'));
    await waitOnline(p);
    return { page: p, errors };
  }

  /** A short conversation with a link, HTML-looking text and quick replies. */
  async function converse(p: Page): Promise<void> {
    await openChat(p);
    await type(p, 'Do you have <b>rye</b> bread? See www.example.org/rye.');
    await waitBubble(p, 'out', 'You said: Do you have');
    const urn = await p.evaluate(() => (window as any).WebchatGateway.client.urn);
    await gw.gateway.ingestPlatformMessage({
      id: `shop-${urn}`,
      to: urn,
      text: 'Yes! Today until 6 pm. Menu: https://example.org/menu',
      quick_replies: ['Reserve one', 'Opening hours', 'Talk to a person'],
    });
    await waitBubble(p, 'out', 'Yes! Today until 6 pm.');
  }

  for (const [w, h, dark] of [
    [1280, 800, false],
    [1280, 800, true],
    [375, 700, false],
    [375, 700, true],
  ] as const) {
    const name = `widget-${w}x${h}-${dark ? 'dark' : 'light'}`;
    it(`renders a conversation at ${w}x${h} (${dark ? 'dark' : 'light'}): ${name}.png`, { timeout: 30_000 }, async () => {
      const { page: p, errors } = await page({ width: w, height: h, dark, mobile: w < 500 });
      // Closed, with an unread badge.
      const urn = await p.evaluate(() => (window as any).WebchatGateway.client.urn);
      await gw.gateway.ingestPlatformMessage({ id: `hello-${urn}`, to: urn, text: 'Hello! Fresh croissants are out of the oven.', quick_replies: [] });
      await p.locator(`${W} .badge`).waitFor({ state: 'visible' });
      assert.equal(await p.locator(`${W} .badge`).textContent(), '1');
      await p.screenshot({ path: join(shots, `${name}-closed.png`) });
      await converse(p);
      assert.equal(await p.locator(`${W} .badge`).isHidden(), true, 'opening clears the badge');
      const panel = await p.locator(`${W} .panel`).boundingBox();
      if (w < 500) assert.deepEqual([panel!.x, panel!.y, panel!.width, panel!.height], [0, 0, w, h], 'full screen on phones');
      else assert.ok(panel!.width === 370 && panel!.x + panel!.width <= w - 19, `panel at the right: ${JSON.stringify(panel)}`);
      const bg = await p.locator(`${W} .panel`).evaluate((e) => getComputedStyle(e).backgroundColor);
      assert.equal(bg, dark ? 'rgb(22, 25, 29)' : 'rgb(255, 255, 255)');
      await p.screenshot({ path: join(shots, `${name}.png`) });
      assert.deepEqual(errors.errors, [], errors.describe());
    });
  }

  it('links are clickable and nothing else in a message is HTML', { timeout: 30_000 }, async () => {
    const { page: p } = await page({ width: 1280, height: 800 });
    await converse(p);
    const links = await p
      .locator(`${W} .bubble a`)
      .evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent, a.getAttribute('target'), a.getAttribute('rel')]));
    assert.deepEqual(links, [
      ['https://www.example.org/rye', 'www.example.org/rye', '_blank', 'noopener noreferrer nofollow'],
      ['https://www.example.org/rye', 'www.example.org/rye', '_blank', 'noopener noreferrer nofollow'], // the bot's echo
      ['https://example.org/menu', 'https://example.org/menu', '_blank', 'noopener noreferrer nofollow'],
    ]);
    assert.equal(await p.locator(`${W} .bubble b`).count(), 0, 'no <b> element from message text');
    assert.match((await p.locator(`${W} .msg.in .bubble`).first().textContent())!, /<b>rye<\/b>/);
  });

  it('a hostile host stylesheet leaves the widget intact', { timeout: 30_000 }, async () => {
    const normal = await page({ width: 1280, height: 800 });
    const hostile = await page({ width: 1280, height: 800, path: '/hostile' });
    assert.equal(
      await hostile.page.evaluate(() => getComputedStyle(document.querySelector('h1')!).fontSize),
      '40px',
      'the stylesheet is in force on the host page',
    );
    for (const p of [normal.page, hostile.page]) await converse(p);
    const measure = (p: Page) =>
      p.evaluate((sel) => {
        const root = document.querySelector(sel)!.shadowRoot!;
        const box = (q: string) => {
          const r = root.querySelector(q)!.getBoundingClientRect();
          return [Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)];
        };
        const style = (q: string) => {
          const s = getComputedStyle(root.querySelector(q)!);
          return [s.fontSize, s.fontFamily.split(',')[0], s.display];
        };
        return {
          launcher: box('.launcher'),
          panel: box('.panel'),
          header: box('.header'),
          composer: box('.composer'),
          bubble: style('.bubble'),
          quick: style('.quick'),
          title: style('.title'),
        };
      }, W);
    const [a, b] = [await measure(normal.page), await measure(hostile.page)];
    assert.deepEqual(b, a);
    assert.equal(a.bubble[0], '15px');
    await hostile.page.screenshot({ path: join(shots, 'widget-hostile-host-css.png') });
  });

  it('axe-core finds no serious or critical accessibility violations, closed and open, light and dark', { timeout: 45_000 }, async () => {
    const axePath = require.resolve('axe-core/axe.min.js');
    for (const dark of [false, true]) {
      const { page: p } = await page({ width: 1280, height: 800, dark });
      const run = async (state: string) => {
        await p.addScriptTag({ path: axePath });
        const result = await p.evaluate(async (sel) => {
          const r = await (window as any).axe.run({ include: [[sel]] }, { resultTypes: ['violations'] });
          return (r.violations as any[]).map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n: any) => n.target.join(' ')).slice(0, 3) }));
        }, W);
        const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        assert.deepEqual(bad, [], `${dark ? 'dark' : 'light'}, ${state}: ${JSON.stringify(result)}`);
      };
      await run('closed');
      await converse(p);
      await p.locator(`${W} .typing`).evaluate((e) => ((e as HTMLElement).hidden = false)); // the indicator too
      await run('open');
    }
  });

  it('works from the keyboard: focus moves into the panel, Escape closes it and returns focus to the launcher', { timeout: 30_000 }, async () => {
    const { page: p } = await page({ width: 1280, height: 800 });
    const focused = () =>
      p.evaluate((sel) => {
        const a = document.querySelector(sel)!.shadowRoot!.activeElement as HTMLElement | null;
        return a ? a.tagName.toLowerCase() + (a.className ? '.' + a.className : '') : null;
      }, W);
    await p.locator(`${W} .launcher`).focus();
    await p.keyboard.press('Enter');
    await p.locator(`${W} textarea`).waitFor({ state: 'visible' });
    assert.equal(await focused(), 'textarea');
    assert.equal(await p.locator(`${W} .launcher`).getAttribute('aria-expanded'), 'true');
    await p.keyboard.type('typed with the keyboard');
    await p.keyboard.press('Enter');
    await waitBubble(p, 'out', 'You said: typed with the keyboard');
    assert.equal(await p.locator(`${W} [role="log"]`).count(), 1, 'messages are in a live log for screen readers');
    assert.match((await p.locator(`${W} [aria-live="polite"]`).last().textContent())!, /You said: typed with the keyboard/);
    await p.keyboard.press('Escape');
    assert.equal(await p.locator(`${W} .panel`).isHidden(), true);
    assert.equal(await focused(), 'button.launcher');
    assert.equal(await p.locator(`${W} .launcher`).getAttribute('aria-expanded'), 'false');
  });
});
