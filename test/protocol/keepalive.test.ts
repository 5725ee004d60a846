import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CurrentWidget, sleep, V9Widget, waitFor } from '../helpers/clients.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

describe('keep-alive for both client generations on one port', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({ PING_INTERVAL: '200ms', PING_TIMEOUT: '700ms' });
  });
  after(() => gw.stop());

  it('keeps an idle 9.x widget and an idle current client connected over several ping timeouts', async () => {
    const v9 = new V9Widget(gw.port);
    const cur = new CurrentWidget(gw.port);
    await waitFor(() => v9.state === 'open' && cur.socket.state === 'open', 5000, 'both open');
    // 5 ping timeouts: a client of the wrong protocol would be dropped (4000/4001) meanwhile.
    await sleep(3500);
    assert.equal(v9.state, 'open');
    assert.equal(cur.socket.state, 'open');
    assert.deepEqual(v9.closes, [], 'the 9.x widget was never closed');
    // Still usable after idling.
    const reply = await v9.register();
    assert.match(reply.urn, /^[A-Za-z0-9_-]{20,}$/);
    v9.close();
    cur.close();
  });

  it('closes a socket that stops answering pings', async () => {
    const v9 = new V9Widget(gw.port);
    await waitFor(() => v9.state === 'open', 5000, 'open');
    const before = gw.gateway.stats().socketcluster;
    // Stop the client's pong answers without closing TCP: it looks alive but is not.
    v9.socket.transport.sendObject = () => {};
    v9.socket.transport._resetPingTimeout = () => {};
    await waitFor(() => gw.gateway.stats().socketcluster === before - 1, 5000, 'server closes the silent socket');
    v9.close();
  });
});
