// webchat-service across a gateway crash: kill -9 and a restart on the same SQLite file and
// port. The widget reconnects by itself; every bot message shows exactly once, in order.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sleep, waitFor } from '../helpers/clients.js';
import { CourierWwcStandIn, courierSend } from '../helpers/courier-wwc.js';
import { scratchDir } from '../helpers/faults.js';
import { spawnGateway, TEST_CHANNEL, TEST_TOKEN, type GatewayProcess } from '../helpers/gateway.js';
import { createService, dispose } from '../helpers/wwc-clients.js';

const incoming = (service: any): string[] =>
  service
    .getMessages()
    .filter((m: any) => m.direction === 'incoming')
    .map((m: any) => m.text);

describe('@weni/webchat-service across kill -9 of the gateway', () => {
  it('shows every bot message once, in order, after the gateway is killed and restarted', { timeout: 120_000 }, async () => {
    const courier = await new CourierWwcStandIn().start();
    const db = join(scratchDir('wg-wwc-crash-'), 'g.db');
    const env = { STORE_URL: `sqlite:${db}`, PLATFORM_URL: courier.url, PLATFORM_CHANNEL_TYPE: 'wwc', WEBHOOK_TOKEN: TEST_TOKEN };
    let gp: GatewayProcess = await spawnGateway(env);
    const port = gp.port;
    // webchat-service retries once after reconnectInterval (+ up to 1 s jitter) and gives up if
    // that attempt fails (wwc-protocol.md W12): 20 s is longer than spawnGateway's own start-up
    // bound (15 s), so even a crowded machine restarts the gateway before that one attempt.
    const { service } = createService({ socketUrl: `127.0.0.1:${port}`, channelUuid: TEST_CHANNEL, host: courier.url, reconnectInterval: 20_000 });
    try {
      await service.init();
      const from = service.getSessionId();
      const send = (text: string) =>
        courierSend(`http://127.0.0.1:${port}/hooks/${TEST_TOKEN}`, {
          to: from,
          channel_uuid: TEST_CHANNEL,
          message: { type: 'text', timestamp: String(Math.floor(Date.now() / 1000)), text },
        });
      for (let i = 0; i < 5; i++) assert.equal((await send(`before ${i}`)).status, 200);
      await waitFor(() => incoming(service).length === 5, 5000, 'five live messages');
      await service.sendMessage('visitor before the crash');
      // Accepted (200) right before the kill: maybe sent, surely not yet proven.
      for (let i = 0; i < 5; i++) assert.equal((await send(`at the crash ${i}`)).status, 200);
      await gp.kill9();
      gp = await spawnGateway(env, port);
      await waitFor(() => service.getConnectionStatus() === 'connected', 45_000, 'webchat-service reconnected by itself');
      for (let i = 0; i < 5; i++) assert.equal((await send(`after ${i}`)).status, 200);
      const expected = [
        ...[0, 1, 2, 3, 4].map((i) => `before ${i}`),
        ...[0, 1, 2, 3, 4].map((i) => `at the crash ${i}`),
        ...[0, 1, 2, 3, 4].map((i) => `after ${i}`),
      ];
      await waitFor(() => incoming(service).length >= 15, 10_000, `15 messages; got ${JSON.stringify(incoming(service))}`);
      await sleep(1000);
      assert.deepEqual(incoming(service), expected);
      await waitFor(() => courier.textsFrom(from).includes('visitor before the crash'), 10_000, "the visitor's message reached courier");
    } finally {
      dispose(service);
      await gp.stop();
      await courier.stop();
    }
  });
});
