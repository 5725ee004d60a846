// One visitor, several tabs: each live connection gets every platform message; none evicts
// another (weni-webchat-socket 3.18+ makes two tabs take the session from each other).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep, waitFor } from '../helpers/clients.js';
import { CourierWwcStandIn, courierSend } from '../helpers/courier-wwc.js';
import { startGateway, TEST_CHANNEL, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { createService, dispose, MemoryStorage, RawWwc } from '../helpers/wwc-clients.js';

const incoming = (service: any): string[] =>
  service
    .getMessages()
    .filter((m: any) => m.direction === 'incoming')
    .map((m: any) => m.text);

async function openSockets(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^wg_connections(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? NaN);
}

describe('several tabs of one WWC visitor', () => {
  let gw: RunningGateway;
  let courier: CourierWwcStandIn;
  before(async () => {
    courier = await new CourierWwcStandIn().start();
    gw = await startGateway({ PLATFORM_URL: courier.url, PLATFORM_CHANNEL_TYPE: 'wwc', WEBHOOK_TOKEN: TEST_TOKEN });
  });
  after(async () => {
    await gw.stop();
    await courier.stop();
  });

  it('keeps two webchat-service tabs and a raw tab connected for 30 s, each getting every message in order', { timeout: 60_000 }, async () => {
    const storage = new MemoryStorage();
    const opts = { socketUrl: `127.0.0.1:${gw.port}`, channelUuid: TEST_CHANNEL, host: courier.url, storage };
    const tab1 = createService(opts).service;
    await tab1.init();
    const tab2 = createService(opts).service;
    await tab2.init();
    const from = tab1.getSessionId();
    assert.equal(tab2.getSessionId(), from, 'the tabs share the visitor');
    const raw = new RawWwc(`ws://127.0.0.1:${gw.port}/ws`);
    assert.equal((await raw.register(from, `${courier.url}/c/wwc/${TEST_CHANNEL}/receive`)).type, 'ready_for_message');
    const statuses: string[] = [];
    for (const t of [tab1, tab2]) t.on('connection:status:changed', (s: string) => statuses.push(s));
    const sockets = await openSockets(gw.url);
    const sent: string[] = [];
    const started = Date.now();
    for (let i = 0; Date.now() - started < 30_000; i++) {
      const text = `tick ${i}`;
      assert.equal(
        (
          await courierSend(`${gw.url}/hooks/${TEST_TOKEN}`, {
            to: from,
            channel_uuid: TEST_CHANNEL,
            message: { type: 'text', timestamp: String(Math.floor(Date.now() / 1000)), text },
          })
        ).status,
        200,
      );
      sent.push(text);
      await sleep(2_000);
    }
    await waitFor(
      () => incoming(tab1).length === sent.length && incoming(tab2).length === sent.length && raw.of('message').length === sent.length,
      5000,
      'every tab has every message',
    );
    assert.deepEqual(incoming(tab1), sent);
    assert.deepEqual(incoming(tab2), sent);
    assert.deepEqual(
      raw.of('message').map((f) => f['message'].text),
      sent,
    );
    assert.deepEqual(statuses, [], 'no tab disconnected or reconnected');
    assert.equal(raw.closed, undefined);
    assert.equal(raw.of('warning').length + raw.of('error').length, 0, 'no eviction warnings, no errors');
    assert.equal(await openSockets(gw.url), sockets, 'no socket churn');
    dispose(tab1);
    dispose(tab2);
    raw.close();
  });

  it("close_session from the visitor's own tab ends its other tabs with the warning; a stranger's does nothing", async () => {
    const from = `${Date.now()}@shop.example.test`;
    const cb = `${courier.url}/c/wwc/${TEST_CHANNEL}/receive`;
    const a = new RawWwc(`ws://127.0.0.1:${gw.port}/ws`);
    const b = new RawWwc(`ws://127.0.0.1:${gw.port}/ws`);
    const stranger = new RawWwc(`ws://127.0.0.1:${gw.port}/ws`);
    await a.register(from, cb);
    await b.register(from, cb);
    await stranger.register(`${Date.now()}@elsewhere.test`, cb);
    stranger.send({ type: 'close_session', from });
    assert.match((await stranger.next('error'))['error'], /token does not match/);
    await sleep(100);
    assert.equal(a.closed, undefined);
    b.send({ type: 'close_session', from, token: '' });
    assert.deepEqual(await a.next('warning'), { type: 'warning', warning: 'Connection closed by request' });
    await waitFor(() => a.closed !== undefined, 2000, 'a closed');
    assert.equal(b.closed, undefined, 'the caller stays');
    b.close();
    stranger.close();
  });
});
