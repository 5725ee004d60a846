// Fault: widgets lose their TCP connection at random (no close frame) while the platform sends
// them a stream of messages. Unmodified v9 widgets reconnect and resubscribe on their own; the
// gateway must replay whatever they did not prove to have received: no loss, order kept,
// duplicates only as exact copies (same id, same seq).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sleep, TokenJar, V9Widget } from '../helpers/clients.js';
import { dedupeById, pool, report, tryPost, waitUntil } from '../helpers/faults.js';
import { startGateway, TEST_TOKEN } from '../helpers/gateway.js';
import { PlatformStandIn } from '../helpers/platform.js';

const WIDGETS = 100;
const PER_WIDGET = 50;
const POSTERS = 20;
const MIN_CUTS = 300;
const MAX_CUTS = 600;

describe('random network cuts under a stream of platform messages', () => {
  it(`delivers ${WIDGETS * PER_WIDGET} messages to ${WIDGETS} v9 widgets through hundreds of cuts: none lost, in order`, async () => {
    const platform = await new PlatformStandIn().start();
    const gw = await startGateway({
      PLATFORM_URL: platform.url,
      WEBHOOK_TOKEN: TEST_TOKEN,
      PING_INTERVAL: '300ms',
      PING_TIMEOUT: '1s',
      RECEIPT_PING_DELAY: '10ms',
    });
    const widgets: V9Widget[] = [];
    try {
      await pool(
        Array.from({ length: WIDGETS }, (_, i) => i),
        10,
        async () => {
          const w = new V9Widget(gw.port, { jar: new TokenJar(), autoReconnect: true });
          widgets.push(w);
          await w.register();
          await w.subscribeAndWait();
        },
      );
      const started = Date.now();

      // Chaos: cut a random open widget's TCP connection every ~10 ms until the stream is done
      // and at least MIN_CUTS happened.
      let posting = true;
      let cuts = 0;
      const chaos = (async () => {
        while ((posting || cuts < MIN_CUTS) && cuts < MAX_CUTS) {
          await sleep(5 + Math.random() * 10);
          const open = widgets.filter((w) => w.state === 'open');
          if (open.length === 0) continue;
          open[Math.floor(Math.random() * open.length)]!.cutNetwork();
          cuts++;
        }
      })();

      // The stream: each poster owns 5 widgets and posts to them round-robin, so posts to one
      // widget never overlap and its k-th message gets seq k+1. 20 posts in flight.
      let non200 = 0;
      await pool(
        Array.from({ length: POSTERS }, (_, p) => p),
        POSTERS,
        async (p) => {
          const mine = widgets.filter((_, i) => i % POSTERS === p);
          for (let k = 0; k < PER_WIDGET; k++) {
            for (const w of mine) {
              const id = `${w.urn}-${k}`;
              // Courier retries until it gets a 2xx; none is expected to be needed here.
              for (;;) {
                const s = await tryPost(gw.url, { id, text: `message ${k}`, to: w.urn! }, TEST_TOKEN);
                if (s === 200) break;
                non200++;
                await sleep(50);
              }
            }
          }
        },
      );
      const postedMs = Date.now() - started;
      posting = false;
      await chaos;

      const uniqueTotal = (): number => widgets.reduce((n, w) => n + dedupeById(w.received).unique.length, 0);
      const waitedMs = await waitUntil(
        () => widgets.every((w) => dedupeById(w.received).unique.length >= PER_WIDGET),
        120_000,
        () =>
          `all messages at their widgets; have ${uniqueTotal()}/${WIDGETS * PER_WIDGET}, ${widgets.filter((w) => w.state !== 'open').length} widgets not open`,
      );
      await sleep(500); // late extras would show now

      let delivered = 0;
      let duplicates = 0;
      let received = 0;
      let closes = 0;
      for (const w of widgets) {
        const d = dedupeById(w.received);
        assert.deepEqual(d.conflicts, [], 'a duplicate is an exact copy');
        assert.deepEqual(
          d.unique.map((m) => m.id),
          Array.from({ length: PER_WIDGET }, (_, k) => `${w.urn}-${k}`),
          `widget ${w.urn}: its messages, in order`,
        );
        assert.deepEqual(
          d.unique.map((m) => m.seq),
          Array.from({ length: PER_WIDGET }, (_, k) => k + 1),
        );
        assert.deepEqual(
          d.unique.map((m) => m.text),
          Array.from({ length: PER_WIDGET }, (_, k) => `message ${k}`),
        );
        assert.ok(
          w.received.every((m) => m.to === w.urn),
          'only its own messages',
        );
        delivered += d.unique.length;
        duplicates += d.duplicates;
        received += w.received.length;
        closes += w.closes.length;
      }
      assert.equal(non200, 0, '/send answered 200 throughout');
      assert.ok(cuts >= MIN_CUTS, `${cuts} cuts`);
      report('network-cuts', {
        widgets: WIDGETS,
        sent: WIDGETS * PER_WIDGET,
        delivered,
        received,
        duplicates,
        lost: WIDGETS * PER_WIDGET - delivered,
        cuts,
        closesSeenByWidgets: closes,
        postedMs,
        settledAfterMs: waitedMs,
        elapsedMs: Date.now() - started,
      });

      // Nothing left behind on the server once the widgets go.
      for (const w of widgets) w.close();
      await waitUntil(
        () => gw.gateway.stats().socketcluster === 0 && gw.gateway.stats().subscriptions === 0,
        10_000,
        () => `server state released: ${gw.gateway.stats().socketcluster} connections, ${gw.gateway.stats().subscriptions} subscriptions`,
      );
    } finally {
      for (const w of widgets) w.close();
      await gw.stop();
      await platform.stop();
    }
  });
});
