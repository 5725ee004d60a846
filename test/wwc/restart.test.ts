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

const incoming = (service: any): string[] => service.getMessages().filter((m: any) => m.direction === 'incoming').map((m: any) => m.text);

describe('@weni/webchat-service across kill -9 of the gateway', () => {
  it('shows every bot message once, in order, after the gateway is killed and restarted', async () => {
    const courier = await new CourierWwcStandIn().start();
    const db = join(scratchDir('wg-wwc-crash-'), 'g.db');
    const env = { STORE_URL: `sqlite:${db}`, PLATFORM_URL: courier.url, PLATFORM_CHANNEL_TYPE: 'wwc', WEBHOOK_TOKEN: TEST_TOKEN };
    let gp: GatewayProcess = await spawnGateway(env);
    const port = gp.port;
    const { service } = createService({ socketUrl: `127.0.0.1:${port}`, channelUuid: TEST_CHANNEL, host: courier.url });
    try {
      await service.init();
      const from = service.getSessionId();
      const send = (text: string) => courierSend(`http://127.0.0.1:${port}/hooks/${TEST_TOKEN}`, { to: from, channel_uuid: TEST_CHANNEL, message: { type: 'text', timestamp: String(Math.floor(Date.now() / 1000)), text } });
      for (let i = 0; i < 5; i++) assert.equal((await send(`before ${i}`)).status, 200);
      await waitFor(() => incoming(service).length === 5, 5000, 'five live messages');
      await service.sendMessage('visitor before the crash');
      // Accepted (200) right before the kill: maybe sent, surely not yet proven.
      for (let i = 0; i < 5; i++) assert.equal((await send(`at the crash ${i}`)).status, 200);
      await gp.kill9();
      // webchat-service retries once after its reconnectInterval (3 s by default) and gives up
      // if that attempt fails (a client weakness, wwc-protocol.md W12): the restart must be quicker.
      const restarted = Date.now();
      gp = await spawnGateway(env, port);
      assert.ok(Date.now() - restarted < 3000, 'restarted within the client\'s first retry');
      await waitFor(() => service.getConnectionStatus() === 'connected', 15_000, 'webchat-service reconnected by itself');
      for (let i = 0; i < 5; i++) assert.equal((await send(`after ${i}`)).status, 200);
      const expected = [...[0, 1, 2, 3, 4].map((i) => `before ${i}`), ...[0, 1, 2, 3, 4].map((i) => `at the crash ${i}`), ...[0, 1, 2, 3, 4].map((i) => `after ${i}`)];
      await waitFor(() => incoming(service).length >= 15, 10_000, `15 messages; got ${JSON.stringify(incoming(service))}`);
      await sleep(1000);
      assert.deepEqual(incoming(service), expected);
      await waitFor(() => courier.textsFrom(from).includes('visitor before the crash'), 10_000, 'the visitor\'s message reached courier');
    } finally {
      dispose(service);
      await gp.stop();
      await courier.stop();
    }
  });
});
