// The WWC front-end goes through the same admission as SocketCluster: origins, sockets per
// address (counted across both protocols), registrations per minute, register timeout, event rate.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/clients.js';
import { startGateway, TEST_CHANNEL, type RunningGateway } from '../helpers/gateway.js';
import { tryConnect } from '../helpers/raw-socket.js';
import { RawWwc } from '../helpers/wwc-clients.js';

const CALLBACK = `http://platform.example.test/c/wwc/${TEST_CHANNEL}/receive`;

describe('admission of WWC sockets', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({
      PLATFORM_URL: 'http://platform.example.test',
      WEBHOOK_TOKEN: 'x',
      ALLOWED_ORIGINS: 'https://shop.example.test',
      MAX_CONNECTIONS_PER_IP: '3',
      MAX_REGISTRATIONS_PER_MINUTE: '2',
      REGISTER_TIMEOUT: '500ms',
      CLIENT_RATE: '1',
      CLIENT_BURST: '5',
    });
  });
  after(() => gw.stop());

  const url = (): string => `ws://127.0.0.1:${gw.port}/ws`;
  const origin = 'https://shop.example.test';

  it('refuses the upgrade from an origin not in ALLOWED_ORIGINS (403) and accepts the allowed one', async () => {
    await assert.rejects(new RawWwc(url(), { origin: 'https://evil.example.test' }).opened, /upgrade refused: 403/);
    const ok = new RawWwc(url(), { origin });
    await ok.opened;
    ok.close();
    await waitFor(() => ok.closed !== undefined, 2000, 'closed');
  });

  it('counts WWC and SocketCluster sockets of one address against MAX_CONNECTIONS_PER_IP together', async () => {
    const a = new RawWwc(url(), { origin });
    const b = new RawWwc(url(), { origin });
    await Promise.all([a.opened, b.opened]);
    const sc = await tryConnect(gw.port, { origin });
    assert.equal(sc.open, true, 'a SocketCluster socket is the third');
    await assert.rejects(new RawWwc(url(), { origin }).opened, /upgrade refused: 429/);
    a.close();
    await waitFor(() => a.closed !== undefined, 2000, 'a closed');
    const c = new RawWwc(url(), { origin });
    await c.opened;
    for (const x of [b, c]) x.close();
    sc.ws!.close();
    await waitFor(() => b.closed !== undefined && c.closed !== undefined && sc.ws!.readyState === sc.ws!.CLOSED, 2000, 'all closed');
    // The server releases an address's count when it sees the TCP connection end.
    await new Promise((r) => setTimeout(r, 200));
  });

  it('limits registrations per address per minute, closes a socket that never registers, and answers a flood with error frames', async () => {
    const c = new RawWwc(url(), { origin });
    await c.opened;
    // Within the burst of 5: two registrations pass, the third is refused by the per-minute limit.
    assert.equal((await c.register('1@a.test', CALLBACK)).type, 'ready_for_message');
    const d = new RawWwc(url(), { origin });
    assert.equal((await d.register('2@a.test', CALLBACK)).type, 'ready_for_message');
    const e = new RawWwc(url(), { origin });
    const refused = await e.register('3@a.test', CALLBACK);
    assert.match(refused['error'], /WG_ERR_RATE_LIMITED/);
    await waitFor(() => e.closed !== undefined, 3000, 'the unregistered socket is closed after REGISTER_TIMEOUT');
    assert.equal(e.closed!.code, 4501);
    for (let i = 0; i < 8; i++) c.send({ type: 'ping' });
    await waitFor(() => c.of('error').some((f) => /WG_ERR_RATE_LIMITED: too many frames/.test(f['error'])), 3000, 'rate error frame');
    assert.equal(c.closed, undefined, 'a short flood does not close the socket');
    c.close();
    d.close();
  });
});
