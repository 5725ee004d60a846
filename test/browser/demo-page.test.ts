// Browser end to end: the demo page (GET /) in a real Chromium, against an in-process gateway
// with the built-in demo bot. What a person does: open the page, type, press Enter, click quick
// replies, reload, use a second browser.
import assert from 'node:assert/strict';
import { copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page, WebSocket } from 'playwright-core';
import { launchBrowser, watchPage } from '../helpers/browser.js';
import { startGateway, tempDir, type RunningGateway } from '../helpers/gateway.js';

const STEP = 10_000; // any single wait on the page
const TEST_TIMEOUT = 45_000;
const JOKE = 'Why did the WebSocket stay calm? It always answered its pings.';
const QUICK = ['What can you do?', 'Tell me a joke', 'Bye'];

/** Frames the page's socketcluster client sent and received (text frames only). */
interface FrameLog {
  sent: string[];
  received: string[];
  sockets: number;
  /** Every frame and close, numbered by socket, for failure messages. */
  trace: string[];
  tail(n?: number): string;
}

function logFrames(page: Page): FrameLog {
  const t0 = Date.now();
  const log: FrameLog = {
    sent: [],
    received: [],
    sockets: 0,
    trace: [],
    // Keepalive pings (#1) and pongs (#2) are counted, not listed.
    tail: (n = 40) => log.trace.filter((l) => !/ws\d+ [<>] #[12]$/.test(l)).slice(-n).join('\n'),
  };
  page.on('websocket', (ws: WebSocket) => {
    const n = ++log.sockets;
    const note = (what: string): void => void log.trace.push(`+${Date.now() - t0}ms ws${n} ${what}`);
    note('open');
    ws.on('framesent', (f) => {
      if (typeof f.payload !== 'string') return;
      log.sent.push(f.payload);
      note(`> ${f.payload.slice(0, 160)}`);
    });
    ws.on('framereceived', (f) => {
      if (typeof f.payload !== 'string') return;
      log.received.push(f.payload);
      note(`< ${f.payload.slice(0, 160)}`);
    });
    ws.on('close', () => note('close'));
  });
  return log;
}

/** Runs a wait; on failure adds what explains it (frames, store state) to the error. */
async function explained<T>(wait: Promise<T>, details: () => Promise<string> | string): Promise<T> {
  try {
    return await wait;
  } catch (err) {
    (err as Error).message += `\n--- details ---\n${await details()}`;
    throw err;
  }
}

function registerCalls(log: FrameLog): number {
  return log.sent.filter((p) => /"event"\s*:\s*"registerUser"/.test(p)).length;
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = STEP): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const exact = (text: string): RegExp => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

async function bubbles(page: Page, direction: 'in' | 'out'): Promise<string[]> {
  return page.locator(`#messages .msg.${direction}`).allTextContents();
}

async function waitBubble(page: Page, direction: 'in' | 'out', text: string): Promise<void> {
  await page.locator(`#messages .msg.${direction}`).filter({ hasText: exact(text) }).first().waitFor({ state: 'visible', timeout: STEP });
}

/** Waits until the page has an urn and an open socket; returns the urn. */
async function waitReady(page: Page): Promise<string> {
  await page.waitForSelector('body[data-urn][data-connected="true"]', { timeout: STEP });
  const urn = await page.getAttribute('body', 'data-urn');
  assert.ok(urn && urn !== 'null' && urn !== 'undefined', `body[data-urn] is a urn, got ${urn}`);
  return urn;
}

async function say(page: Page, text: string): Promise<void> {
  await page.locator('#text').fill(text);
  await page.locator('#text').press('Enter');
}

async function waitQuick(page: Page, labels: string[]): Promise<void> {
  await page.waitForFunction(
    (want) => JSON.stringify([...document.querySelectorAll('#quick button')].map((b) => b.textContent)) === JSON.stringify(want),
    labels,
    { timeout: STEP },
  );
}

describe('demo page in Chromium', { timeout: 3 * 60_000 }, () => {
  let browser: Browser;
  let gw: RunningGateway;
  const contexts: BrowserContext[] = [];
  const shots = tempDir('wg-browser-');

  before(async () => {
    browser = await launchBrowser();
    gw = await startGateway({});
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await gw?.stop();
  });

  async function openPage(): Promise<{ context: BrowserContext; page: Page; frames: FrameLog; errors: ReturnType<typeof watchPage> }> {
    const context = await browser.newContext({ viewport: { width: 480, height: 720 } });
    contexts.push(context);
    context.setDefaultTimeout(STEP);
    const page = await context.newPage();
    const frames = logFrames(page);
    const errors = watchPage(page);
    await page.goto(gw.url + '/', { waitUntil: 'load', timeout: STEP });
    return { context, page, frames, errors };
  }

  it('a person types "hello", gets the echo and quick replies, and a quick reply gets the joke', { timeout: TEST_TIMEOUT }, async () => {
    const { page, frames, errors } = await openPage();
    const urn = await waitReady(page);
    assert.equal(await page.textContent('#status'), 'online');

    await say(page, 'hello');
    await waitBubble(page, 'in', 'hello');
    await waitBubble(page, 'out', 'You said: hello');
    await waitQuick(page, QUICK);
    assert.equal(await page.inputValue('#text'), '', 'the input is cleared after sending');

    await page.locator('#quick button', { hasText: exact('Tell me a joke') }).click();
    await waitBubble(page, 'in', 'Tell me a joke');
    await waitBubble(page, 'out', JOKE);
    await waitQuick(page, QUICK);

    assert.deepEqual(await bubbles(page, 'in'), ['hello', 'Tell me a joke'], errors.describe());
    assert.deepEqual(await bubbles(page, 'out'), ['You said: hello', JOKE], errors.describe());
    assert.equal(registerCalls(frames), 1, 'registered exactly once');
    assert.equal(await page.getAttribute('body', 'data-urn'), urn);

    const shot = join(shots, 'demo-page.png');
    await page.screenshot({ path: shot, fullPage: true });
    copyFileSync(shot, '/tmp/demo-page.png');
    assert.ok(statSync(shot).size > 1000, 'a screenshot was written');
    assert.deepEqual(errors.errors, [], 'no page errors');
  });

  it('a reload keeps the urn (no second registerUser) and brings what the platform sent meanwhile', { timeout: TEST_TIMEOUT }, async () => {
    const { page, frames, errors } = await openPage();
    const urn = await waitReady(page);
    await say(page, 'before reload');
    await waitBubble(page, 'out', 'You said: before reload');
    assert.equal(registerCalls(frames), 1);
    const storedUrn = await page.evaluate(() => localStorage.getItem('webchat-gateway.urn'));
    assert.equal(storedUrn, urn, 'the urn is kept in localStorage');

    // 1. The page is closed (navigated away): the platform sends; the page comes back.
    await page.goto('about:blank');
    const p1 = await gw.gateway.ingestPlatformMessage({ id: 'p1', to: urn, text: 'while you were away', quick_replies: [] });
    const registersBefore = registerCalls(frames);
    await page.goto(gw.url + '/', { waitUntil: 'load' });
    assert.equal(await waitReady(page), urn, 'same urn after coming back');
    await waitBubble(page, 'out', 'while you were away');
    assert.equal(registerCalls(frames), registersBefore, 'no registerUser after coming back');
    assert.deepEqual(await bubbles(page, 'in'), ['before reload'], 'the earlier conversation is shown again');
    assert.deepEqual(await bubbles(page, 'out'), ['You said: before reload', 'while you were away']);
    // The page's receipt (pong) is what marks p1 delivered; once it is, a reload must not replay it.
    await waitFor(async () => (await gw.gateway.store.getDeliveredSeq(urn)) >= p1.message.seq, 'p1 proven delivered');

    // 2. A real reload, with the platform sending while it is in progress.
    const reloading = page.reload({ waitUntil: 'load' });
    const p2 = await gw.gateway.ingestPlatformMessage({ id: 'p2', to: urn, text: 'sent during the reload', quick_replies: ['Thanks'] });
    await reloading;
    assert.equal(await waitReady(page), urn, 'same urn after reload');
    await explained(
      waitBubble(page, 'out', 'sent during the reload'),
      async () =>
        `p2 seq ${p2.message.seq}, deliveredSeq ${await gw.gateway.store.getDeliveredSeq(urn)}, bubbles ${JSON.stringify(await bubbles(page, 'out'))}\n${errors.describe()}\n${frames.tail()}`,
    );
    await waitQuick(page, ['Thanks']);
    assert.equal(registerCalls(frames), registersBefore, 'no registerUser after reload');

    // The conversation goes on on the same urn.
    await page.locator('#quick button', { hasText: exact('Thanks') }).click();
    await waitBubble(page, 'out', 'You said: Thanks');
    // The reloaded page shows the stored conversation (getHistory), each message once, in order:
    // also what the previous page received in its last moments, which is not replayed (it was
    // acknowledged by that page's socket).
    assert.deepEqual(await bubbles(page, 'in'), ['before reload', 'Thanks']);
    assert.deepEqual(await bubbles(page, 'out'), ['You said: before reload', 'while you were away', 'sent during the reload', 'You said: Thanks']);
    assert.ok(frames.sockets >= 3, `one socket per page load (${frames.sockets})`);
    assert.deepEqual(errors.errors, [], 'no page errors');
  });

  it('two people in two browser contexts get different urns and never see each other\'s messages', { timeout: TEST_TIMEOUT }, async () => {
    const a = await openPage();
    const b = await openPage();
    const [urnA, urnB] = await Promise.all([waitReady(a.page), waitReady(b.page)]);
    assert.notEqual(urnA, urnB, 'different urns');

    await Promise.all([say(a.page, 'I am Alice'), say(b.page, 'I am Bob')]);
    await Promise.all([waitBubble(a.page, 'out', 'You said: I am Alice'), waitBubble(b.page, 'out', 'You said: I am Bob')]);
    await gw.gateway.ingestPlatformMessage({ id: 'only-a', to: urnA, text: 'private to Alice', quick_replies: [] });
    await gw.gateway.ingestPlatformMessage({ id: 'only-b', to: urnB, text: 'private to Bob', quick_replies: [] });
    await Promise.all([waitBubble(a.page, 'out', 'private to Alice'), waitBubble(b.page, 'out', 'private to Bob')]);
    // A last round trip each, after the other's private message was delivered: anything that
    // would leak across has had its chance to arrive before these answers.
    await Promise.all([say(a.page, 'last A'), say(b.page, 'last B')]);
    await Promise.all([waitBubble(a.page, 'out', 'You said: last A'), waitBubble(b.page, 'out', 'You said: last B')]);

    assert.deepEqual(await bubbles(a.page, 'in'), ['I am Alice', 'last A']);
    assert.deepEqual(await bubbles(b.page, 'in'), ['I am Bob', 'last B']);
    assert.deepEqual(await bubbles(a.page, 'out'), ['You said: I am Alice', 'private to Alice', 'You said: last A']);
    assert.deepEqual(await bubbles(b.page, 'out'), ['You said: I am Bob', 'private to Bob', 'You said: last B']);
    // Not even on the wire (the page filters by data.to; the gateway must not rely on that).
    for (const [who, other, otherUrn] of [[a, 'Bob', urnB], [b, 'Alice', urnA]] as const) {
      const leaked = who.frames.received.filter((f) => f.includes(otherUrn) || f.includes(other));
      assert.deepEqual(leaked, [], `frames for ${other} reached the other browser`);
    }
    assert.notEqual(await a.page.evaluate(() => localStorage.getItem('webchat-gateway.urn')), await b.page.evaluate(() => localStorage.getItem('webchat-gateway.urn')));
    assert.deepEqual([...a.errors.errors, ...b.errors.errors], [], 'no page errors');
  });

  it('a gateway restart: the page says so, reconnects by itself to the same urn, and gets what was sent meanwhile', { timeout: 90_000 }, async () => {
    // Its own gateway on a sqlite store, so the session and the token secret survive the restart.
    const db = join(tempDir('wg-browser-restart-'), 'g.db');
    let own = await startGateway({ STORE_URL: `sqlite:${db}` });
    try {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      const frames = logFrames(page);
      const errors = watchPage(page);
      await page.goto(own.url + '/', { waitUntil: 'load', timeout: STEP });
      const urn = await waitReady(page);
      await say(page, 'before restart');
      await waitBubble(page, 'out', 'You said: before restart');

      const port = own.port;
      await own.stop();
      await page.waitForSelector('body[data-connected="false"]', { timeout: STEP });
      assert.equal(await page.textContent('#status'), 'reconnecting…');
      own = await startGateway({ STORE_URL: `sqlite:${db}`, PORT: String(port) });
      await own.gateway.ingestPlatformMessage({ id: 'r1', to: urn, text: 'sent while you reconnected', quick_replies: [] });
      // socketcluster-client 9 waits 10-20 s (initialDelay 10 s + up to 10 s random) before
      // reconnecting after a 1012 close; the page keeps the client's defaults, as field widgets do.
      await page.waitForSelector('body[data-connected="true"]', { timeout: 35_000 });
      await waitBubble(page, 'out', 'sent while you reconnected');
      assert.equal(await page.getAttribute('body', 'data-urn'), urn, 'same urn after the restart');
      assert.equal(registerCalls(frames), 1, 'no registerUser after the restart');
      await say(page, 'after restart');
      await waitBubble(page, 'out', 'You said: after restart');
      assert.equal(await page.textContent('#status'), 'online');
      // The disconnect is reported (console.warn), never thrown as an uncaught page error.
      const unexpected = errors.errors.filter((e) => !/^console\.warning: socket: Socket connection failed/.test(e));
      assert.deepEqual(unexpected, [], 'nothing but the socket warnings');
    } finally {
      await own.stop();
    }
  });

  it('a lost registerUser answer: the page keeps what the person typed and registers again', { timeout: 60_000 }, async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const errors = watchPage(page);
    // Between page and gateway: the first registerUser never reaches the gateway, so its
    // answer never comes and the client's ack timeout (10 s in socketcluster-client 9) fires.
    let registers = 0;
    await page.routeWebSocket(/\/socketcluster\//, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => {
        if (typeof m === 'string' && /"event"\s*:\s*"registerUser"/.test(m) && registers++ === 0) return;
        server.send(m);
      });
    });
    await page.goto(gw.url + '/', { waitUntil: 'load', timeout: STEP });
    await page.waitForSelector('body[data-connected="true"]', { timeout: STEP });
    assert.equal(await page.getAttribute('body', 'data-urn'), null, 'not registered while the answer is missing');
    await say(page, 'anyone there?');
    assert.equal(await page.inputValue('#text'), 'anyone there?', 'unsent text stays in the input');
    assert.deepEqual(await bubbles(page, 'in'), [], 'no bubble for a message that was not sent');

    await page.waitForSelector('body[data-urn]', { timeout: 25_000 });
    assert.equal(registers, 2, 'registered again after the lost answer');
    assert.equal(await page.textContent('#status'), 'online');
    await page.locator('#text').press('Enter');
    await waitBubble(page, 'in', 'anyone there?');
    await waitBubble(page, 'out', 'You said: anyone there?');
    assert.deepEqual(errors.errors, [], 'no page errors');
  });
});
