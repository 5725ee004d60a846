// Receipt pings (deliverer.ts): at most one per socket per RECEIPT_PING_DELAY; the first frame
// after a quiet spell is followed by one at once. What a user sees of it: which messages a page
// reload shows again (legacy widgets do not dedupe).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep, TokenJar, V9Widget, waitFor } from '../helpers/clients.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { PlatformStandIn, postToGateway } from '../helpers/platform.js';

describe('receipt pings', () => {
  let platform: PlatformStandIn;
  let gw: RunningGateway;
  const open: V9Widget[] = [];
  before(async () => {
    platform = await new PlatformStandIn().start();
    // Long enough that no timer ping can fire while a test runs.
    // Keep-alive pings prove receipt too: none may fall inside a test either (under load the
    // default test interval of 400 ms could land between a delivery and the close).
    gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, RECEIPT_PING_DELAY: '20s', PING_INTERVAL: '20s', PING_TIMEOUT: '40s' });
  });
  after(async () => {
    for (const w of open) w.close();
    await gw.stop();
    await platform.stop();
  });

  const widget = (jar: TokenJar): V9Widget => {
    const w = new V9Widget(gw.port, { jar });
    open.push(w);
    return w;
  };
  const post = async (id: string, to: string): Promise<void> => {
    const r = await postToGateway(gw.url, { id, text: id, to }, { token: TEST_TOKEN });
    assert.equal(r.status, 200);
  };

  it('proves a message to a quiet socket at once: a reload right after it shows nothing again', async () => {
    const jar = new TokenJar();
    const a = widget(jar);
    const urn = (await a.register()).urn as string;
    await a.subscribeAndWait(urn);
    await post('q-1', urn);
    await waitFor(() => a.received.length === 1, 5000, 'the message');
    await sleep(200); // its pong comes back
    a.close();
    const b = widget(jar); // the reloaded page: same token, straight to subscribe
    await b.subscribeAndWait(urn);
    await sleep(300);
    assert.deepEqual(
      b.received.map((m) => m.id),
      [],
    );
  });

  it('proves what follows within the delay only with the next ping: a reload before it shows those again, once', async () => {
    const jar = new TokenJar();
    const a = widget(jar);
    const urn = (await a.register()).urn as string;
    await a.subscribeAndWait(urn);
    await post('f-1', urn);
    await waitFor(() => a.received.length === 1, 5000, 'the first message');
    await post('f-2', urn);
    await post('f-3', urn);
    await waitFor(() => a.received.length === 3, 5000, 'three messages');
    await sleep(200);
    a.close();
    const b = widget(jar);
    await b.subscribeAndWait(urn);
    await waitFor(() => b.received.length === 2, 5000, 'the two unproven messages');
    assert.deepEqual(
      b.received.map((m) => m.id),
      ['f-2', 'f-3'],
    );
    await sleep(200); // b's socket was quiet: the replay is proven at once
    b.close();
    const c = widget(jar);
    await c.subscribeAndWait(urn);
    await sleep(300);
    assert.deepEqual(
      c.received.map((m) => m.id),
      [],
    );
  });
});
