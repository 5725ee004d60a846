// Fault: a widget comes back after being offline and has a backlog to replay, over a link slower
// than the gateway can write (mobile, congested). The replay must finish: each pass has to prove
// some progress, or the widget is cut and replayed from the same point forever.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TokenJar, V9Widget } from '../helpers/clients.js';
import { dedupeById, pool, report, scratchDir, tryPost, waitUntil } from '../helpers/faults.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { spawnGateway, TEST_TOKEN } from '../helpers/gateway.js';

/**
 * Keep-alive near production (8 s / 20 s / 250 ms), so neither side's ping timeout is what cuts
 * the slow widget; a little shorter because v9 clients leave a ping-timeout timer of that length
 * behind each closed transport, which would keep the test process alive.
 */
const PROD_KEEPALIVE = { PING_INTERVAL: '3s', PING_TIMEOUT: '8s', RECEIPT_PING_DELAY: '250ms' };
const LINK = 2_000_000; // bytes/s gateway -> widget (16 Mbit/s)

async function backlogOverSlowLink(count: number, textLength: number, limitMs: number): Promise<void> {
  const gp = await spawnGateway({
    STORE_URL: `sqlite:${join(scratchDir('wg-slow-'), 'g.db')}`,
    PLATFORM_URL: 'http://127.0.0.1:9',
    WEBHOOK_TOKEN: TEST_TOKEN,
    HISTORY_MAX_MESSAGES: '100000',
    ...PROD_KEEPALIVE,
  });
  const link = await new TcpProxy(gp.port, { bytesPerSecond: LINK }).start();
  const jar = new TokenJar();
  let w: V9Widget | undefined;
  try {
    const first = new V9Widget(gp.port, { jar });
    const urn = (await first.register()).urn as string;
    first.close();
    // Offline: the backlog piles up.
    const pad = 'x'.repeat(textLength);
    await pool(
      Array.from({ length: count }, (_, k) => k),
      10,
      async (k) => {
        assert.equal(await tryPost(gp.url, { id: `bl-${k}`, text: `${k} ${pad}`, to: urn }, TEST_TOKEN), 200);
      },
    );
    // Back, over the slow link.
    w = new V9Widget(link.port, { jar, autoReconnect: true });
    await w.subscribeAndWait(urn);
    const started = Date.now();
    const widget = w;
    let settled = true;
    await waitUntil(
      () => dedupeById(widget.received).unique.length >= count,
      limitMs,
      () => 'backlog',
    ).catch(() => (settled = false));
    const d = dedupeById(w.received);
    const wireBytes = w.received.length * (textLength + 200) * 2; // publish + receivedMessageFromChannel
    report(`slow-link backlog ${count}x${textLength}`, {
      linkBytesPerS: LINK,
      sent: count,
      delivered: d.unique.length,
      received: w.received.length,
      duplicates: d.duplicates,
      lost: count - d.unique.length,
      closes: w.closes.length,
      closeCodes: [...new Set(w.closes)].join('/') || '-',
      approxWireMB: (wireBytes / 1e6).toFixed(1),
      elapsedMs: Date.now() - started,
      idealMs: Math.round(((count * (textLength + 200) * 2) / LINK) * 1000),
    });
    assert.ok(
      settled,
      `the backlog did not finish in ${limitMs} ms: ${d.unique.length}/${count} after ${w.closes.length} disconnects (${[...new Set(w.closes)]}), ${d.duplicates} duplicates`,
    );
    assert.deepEqual(
      d.unique.map((m) => m.seq),
      Array.from({ length: count }, (_, k) => k + 1),
    );
    assert.deepEqual(d.conflicts, []);
  } finally {
    // Tear down hard: a clean close would queue behind megabytes still in flight.
    w?.cutNetwork();
    w?.close();
    await link.stop();
    await gp.kill9();
  }
}

describe('replaying a backlog over a slow link', () => {
  it('1,000 messages of 1 KB (2 MB on the wire) reach the widget at 2 MB/s', async () => {
    await backlogOverSlowLink(1000, 1000, 20_000);
  });

  it('300 messages of 10 KB (6 MB on the wire, ~3 s at 2 MB/s) reach the widget within 30 s', async () => {
    await backlogOverSlowLink(300, 10_000, 30_000);
  });
});
