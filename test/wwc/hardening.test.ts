// Two of weni-webchat-socket's weaknesses (wwc-protocol.md §8) that no other test covers from the
// outside: a /send body of another frame type is never relayed as that frame (W1: a forged
// `warning` would end a webchat-service tab for good, `force_close` evicts it), and a WWC socket
// that stops answering is closed by the gateway's keep-alive (W10: no half-open sessions).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/clients.js';
import { courierSend } from '../helpers/courier-wwc.js';
import { TEST_CHANNEL, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { RawWwc } from '../helpers/wwc-clients.js';
import { newVisitor as visitor, startWwcGateway, type WwcGateway } from '../helpers/wwc-gateway.js';

describe('WWC hardening against the weaknesses of weni-webchat-socket', () => {
  let wwc: WwcGateway;
  let gw: RunningGateway;
  let callback: string;
  before(async () => {
    wwc = await startWwcGateway({ PING_INTERVAL: '300ms', PING_TIMEOUT: '1s' });
    ({ gw, callback } = wwc);
  });
  after(async () => {
    await wwc.stop();
  });

  it('never relays a /send body of another type (warning, force_close) as that frame: the tab stays connected', async () => {
    const c = new RawWwc(wwc.ws);
    const from = visitor();
    await c.register(from, callback);
    const hooks = `${gw.url}/hooks/${TEST_TOKEN}`;
    for (const type of ['warning', 'force_close', 'token']) {
      const res = await courierSend(hooks, { type: type as 'message', to: from, channel_uuid: TEST_CHANNEL, warning: 'Connection closed by request' } as never);
      assert.notEqual(res.status, 500, type);
    }
    await courierSend(hooks, { to: from, channel_uuid: TEST_CHANNEL, message: { type: 'text', timestamp: '1700000000', text: 'still here' } });
    await waitFor(() => c.of('message').some((f) => f['message']?.text === 'still here'), 5000, 'the real message');
    assert.deepEqual(
      c.frames.filter((f) => !['ready_for_message', 'message'].includes(f.type)).map((f) => f.type),
      [],
      'no warning, force_close or token frame reached the visitor',
    );
    assert.equal(c.closed, undefined, 'not closed');
    c.close();
    await waitFor(() => c.closed !== undefined, 5000, 'closed by the client');
  });

  it('closes a WWC socket that stops answering pings (PING_TIMEOUT), so no half-open session stays registered', async () => {
    const wwcOpen = async (): Promise<number> =>
      (await gw.gateway.metrics.connectionsByProtocol.get()).values.find((v) => v.labels['protocol'] === 'wwc')?.value ?? 0;
    const c = new RawWwc(wwc.ws);
    await c.register(visitor(), callback);
    const before = (await wwcOpen()) - 1;
    c.ws.pause(); // stops reading: no pong goes back, as with a peer that vanished
    const deadline = Date.now() + 10_000;
    while ((await wwcOpen()) !== before) {
      assert.ok(Date.now() < deadline, 'the gateway closed the silent socket within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    c.ws.terminate();
  });
});
