// POST /send with {"type":"typing_start","to":urn}: a transient typing signal to the session's
// sockets (raw event `typing`); nothing stored, nothing published on the channel, and it needs
// the webhook token like any platform message.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { V9Widget, waitFor } from '../helpers/clients.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';

describe('the platform webhook: typing signals', () => {
  let gw: RunningGateway;
  let w: V9Widget;
  let urn: string;
  const typing: unknown[] = [];
  before(async () => {
    gw = await startGateway({ PLATFORM_URL: 'http://127.0.0.1:9', WEBHOOK_TOKEN: TEST_TOKEN });
    w = new V9Widget(gw.port);
    urn = (await w.register()).urn;
    w.socket.on('typing', (d: unknown) => typing.push(d));
    await w.subscribeAndWait(urn);
  });
  after(async () => {
    w.close();
    await gw.stop();
  });
  const post = (body: unknown, token: string | undefined = TEST_TOKEN) =>
    fetch(gw.url + '/send', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
      body: JSON.stringify(body),
    });

  it('reaches the session\'s sockets as the raw event "typing" and stores nothing', async () => {
    for (const to of [urn, `ext:${urn}`]) {
      const r = await post({ type: 'typing_start', to, from: 'bot' });
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { status: 'success', typing: true, relayed: 1 });
    }
    await waitFor(() => typing.length === 2, 2_000, 'two typing events');
    assert.deepEqual(typing, [
      { to: urn, typing: true },
      { to: urn, typing: true },
    ]);
    assert.deepEqual(await gw.gateway.store.readMessages(urn, { limit: 10 }), []);
    assert.deepEqual(w.received, [], 'nothing published on the session channel');
  });

  it('needs the token and a "to"', async () => {
    assert.equal((await post({ type: 'typing_start', to: urn }, 'wrong')).status, 401);
    const r = await post({ type: 'typing_start' });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { error: string }).error, 'WG_ERR_MISSING_FIELD');
  });
});
