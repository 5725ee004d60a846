// Launches Debian's Chromium (/usr/bin/chromium) through playwright-core for browser end-to-end
// tests. playwright-core ships no browser of its own; a missing Chromium is an error, not a skip.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The browser tests need Debian's Chromium: run ` +
        '`apt-get update && apt-get install -y chromium` (or set CHROMIUM_PATH to a Chromium binary).',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/**
 * Collects what a page says about itself (console errors, uncaught exceptions, HTTP
 * errors, failed requests), so a failing
 * assertion can show why the page misbehaved.
 */
export function watchPage(page: Page): { errors: string[]; describe(): string } {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') errors.push(`console.${msg.type()}: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) errors.push(`http ${res.status()}: ${res.request().method()} ${res.url()}`);
  });
  page.on('requestfailed', (req) => {
    // A navigation away (reload, goto) aborts what the old page had in flight; that is expected.
    const failure = req.failure()?.errorText ?? '';
    if (!/ERR_ABORTED/.test(failure)) errors.push(`request failed: ${req.method()} ${req.url()} ${failure}`);
  });
  return { errors, describe: () => (errors.length ? errors.join('\n') : '(no page errors)') };
}
