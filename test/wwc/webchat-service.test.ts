// The real @weni/webchat-service 1.5.0 against the gateway, on both platform channel types.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep, waitFor } from '../helpers/clients.js';
import { CourierWwcStandIn, courierSend } from '../helpers/courier-wwc.js';
import { startGateway, TEST_CHANNEL, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { PlatformStandIn, postToGateway } from '../helpers/platform.js';
import { createService, dispose, MemoryStorage } from '../helpers/wwc-clients.js';

const texts = (service: any, direction: 'incoming' | 'outgoing'): string[] =>
  service
    .getMessages()
    .filter((m: any) => m.direction === direction)
    .map((m: any) => m.text);

async function init(service: any): Promise<void> {
  await Promise.race([service.init(), sleep(5000).then(() => Promise.reject(new Error('init() did not resolve: no ready_for_message')))]);
}

describe('@weni/webchat-service 1.5.0 through the gateway', () => {
  let courier: CourierWwcStandIn;
  let ex: PlatformStandIn;
  let wwcGw: RunningGateway;
  let exGw: RunningGateway;
  before(async () => {
    courier = await new CourierWwcStandIn().start();
    ex = await new PlatformStandIn().start();
    wwcGw = await startGateway({ PLATFORM_URL: courier.url, PLATFORM_CHANNEL_TYPE: 'wwc', WEBHOOK_TOKEN: TEST_TOKEN });
    exGw = await startGateway({ PLATFORM_URL: ex.url, WEBHOOK_TOKEN: TEST_TOKEN });
  });
  after(async () => {
    await Promise.all([wwcGw.stop(), exGw.stop()]);
    await Promise.all([courier.stop(), ex.stop()]);
  });

  it("chats end to end on the WWC channel: init resolves, the visitor's text reaches courier, the bot's reply shows once", async () => {
    const { service } = createService({ socketUrl: `127.0.0.1:${wwcGw.port}`, channelUuid: TEST_CHANNEL, host: courier.url });
    await init(service);
    assert.equal(service.getConnectionStatus(), 'connected');
    const from = service.getSessionId();
    assert.match(from, /^\d+@shop\.example\.test$/);
    await service.sendMessage('hello from webchat-service');
    await waitFor(() => courier.textsFrom(from).length === 1, 5000, 'at courier');
    assert.deepEqual(courier.textsFrom(from), ['hello from webchat-service']);
    const res = await courierSend(`${wwcGw.url}/hooks/${TEST_TOKEN}`, {
      to: from,
      channel_uuid: TEST_CHANNEL,
      message: { type: 'text', timestamp: String(Math.floor(Date.now() / 1000)), text: 'hi, human', quick_replies: ['A', 'B'] },
    });
    assert.equal(res.status, 200);
    await waitFor(() => texts(service, 'incoming').length === 1, 5000, 'reply shown');
    await sleep(300);
    assert.deepEqual(texts(service, 'incoming'), ['hi, human']);
    dispose(service);
  });

  it('chats end to end on the External channel', async () => {
    const { service } = createService({ socketUrl: `127.0.0.1:${exGw.port}`, channelUuid: TEST_CHANNEL, host: ex.url });
    await init(service);
    const from = service.getSessionId();
    await service.sendMessage('hello EX');
    await waitFor(() => ex.textsFrom(from).length === 1, 5000, 'at the EX platform');
    assert.equal((await postToGateway(exGw.url, { id: `ex-${from}`, text: 'EX reply', to: from }, { token: TEST_TOKEN })).status, 200);
    await waitFor(() => texts(service, 'incoming').length === 1, 5000, 'reply shown');
    assert.deepEqual(texts(service, 'incoming'), ['EX reply']);
    dispose(service);
  });

  it('shows messages sent while the visitor was away exactly once, in order, after a re-init (same-second order kept)', async () => {
    const storage = new MemoryStorage();
    const opts = { socketUrl: `127.0.0.1:${wwcGw.port}`, channelUuid: TEST_CHANNEL, host: courier.url, storage };
    const first = createService(opts).service;
    await init(first);
    const from = first.getSessionId();
    await first.sendMessage('before leaving');
    await waitFor(() => courier.textsFrom(from).length === 1, 5000, 'at courier');
    await courierSend(`${wwcGw.url}/hooks/${TEST_TOKEN}`, {
      to: from,
      channel_uuid: TEST_CHANNEL,
      message: { type: 'text', timestamp: '1700000000', text: 'seen live' },
    });
    await waitFor(() => texts(first, 'incoming').length === 1, 5000, 'live');
    await sleep(200); // the receipt ping's pong
    dispose(first);
    for (let i = 0; i < 3; i++) {
      await courierSend(`${wwcGw.url}/hooks/${TEST_TOKEN}`, {
        to: from,
        channel_uuid: TEST_CHANNEL,
        message: { type: 'text', timestamp: '1700000000', text: `while away ${i}` },
      });
    }
    const second = createService(opts).service;
    await init(second);
    assert.equal(second.getSessionId(), from, 'same visitor');
    await waitFor(() => texts(second, 'incoming').length >= 4, 5000, 'history and waiting messages');
    await sleep(500);
    assert.deepEqual(texts(second, 'incoming'), ['seen live', 'while away 0', 'while away 1', 'while away 2']);
    assert.deepEqual(texts(second, 'outgoing'), ['before leaving']);
    // And again: everything is now delivered, so all of it comes from history, once.
    dispose(second);
    const third = createService(opts).service;
    await init(third);
    await waitFor(() => texts(third, 'incoming').length >= 4, 5000, 'history');
    await sleep(500);
    assert.deepEqual(texts(third, 'incoming'), ['seen live', 'while away 0', 'while away 1', 'while away 2']);
    dispose(third);
  });
});
