// A host site on another origin than the gateway, embedding the widget with one script tag, and
// what tests do with the widget through the page (its shadow root is open, so locators reach in).
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export const HOSTILE_CSS = '* {font: 40px serif !important; display: block !important}';

/** Where screenshots go: WG_TEST_OUTPUT, else test-output/ at the repo root. */
export function testOutputDir(sub: string): string {
  const root = process.env['WG_TEST_OUTPUT'] ?? new URL('../../../test-output/', import.meta.url).pathname;
  const dir = join(root, sub);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export class HostSite {
  private server!: Server;
  /** data-* attributes of the script tag (besides src). */
  attrs = 'data-title="Example Bakery" data-subtitle="We answer in minutes" data-welcome="Hi! Ask us anything."';

  constructor(private readonly gatewayUrl: () => string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const hostile = req.url?.startsWith('/hostile') ?? false;
      // /manual?config=<json>: the script tag only loads; the page calls WebchatGateway.init itself.
      const manual = req.url?.startsWith('/manual') ? (new URL(req.url, 'http://x').searchParams.get('config') ?? '{}') : undefined;
      const tag =
        manual === undefined
          ? `<script src="${this.gatewayUrl()}/widget.js" ${this.attrs} async></script>`
          : `<script src="${this.gatewayUrl()}/widget.js" data-manual></script><script>window.events=[];WebchatGateway.on('message',(m)=>events.push('message: '+m.text));WebchatGateway.on('open',()=>events.push('open'));WebchatGateway.init(${manual.replace(/</g, '\\u003c')});</script>`;
      const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Example Bakery</title><link rel="icon" href="data:,">${hostile ? `<style>${HOSTILE_CSS}</style>` : ''}
<style>body{font-family:Georgia,serif;margin:0;padding:24px;background:#faf7f2;color:#2b2620} @media (prefers-color-scheme: dark){body{background:#1d1b18;color:#ece6dc}}</style></head>
<body><h1>Example Bakery</h1><p>Fresh bread since 1987. Our chat is in the corner.</p>
${tag}</body></html>`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
    });
    // "localhost" while the gateway is on 127.0.0.1: another origin (scheme, host and port differ).
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return this;
  }

  get origin(): string {
    return `http://localhost:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

export const W = '#webchat-gateway';

export async function waitOnline(page: Page, timeout = 10_000): Promise<void> {
  await page.waitForSelector(`${W}[data-status="online"]`, { state: 'attached', timeout });
}

export async function openChat(page: Page): Promise<void> {
  await page.locator(`${W} .launcher`).click();
  await page.locator(`${W} textarea`).waitFor({ state: 'visible' });
}

export async function type(page: Page, text: string): Promise<void> {
  await page.locator(`${W} textarea`).fill(text);
  await page.locator(`${W} textarea`).press('Enter');
}

/** Texts of the bubbles of one direction ('in' = the visitor's), in order. */
export function bubbles(page: Page, direction: 'in' | 'out'): Promise<string[]> {
  return page.locator(`${W} .msg.${direction} .bubble`).allTextContents();
}

/** Status marks of the visitor's messages: sending / sent / failed. */
export function marks(page: Page): Promise<string[]> {
  return page
    .locator(`${W} .msg.in`)
    .evaluateAll((els) => els.map((e) => (e.classList.contains('sending') ? 'sending' : e.classList.contains('failed') ? 'failed' : 'sent')));
}

export async function waitBubble(page: Page, direction: 'in' | 'out', text: string, timeout = 10_000): Promise<void> {
  await page.locator(`${W} .msg.${direction} .bubble`, { hasText: text }).first().waitFor({ state: 'visible', timeout });
}

export async function waitUntil(check: () => Promise<boolean> | boolean, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
