import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sleep, V9Widget, waitFor } from '../helpers/clients.js';
import { startGateway } from '../helpers/gateway.js';
import { tryConnect } from '../helpers/raw-socket.js';

describe('per-socket event rate (CLIENT_RATE / CLIENT_BURST)', () => {
  it('refuses events beyond the burst with WG_ERR_RATE_LIMITED, and lets them through again after a refill', async () => {
    const gw = await startGateway({ CLIENT_RATE: '5', CLIENT_BURST: '10' });
    try {
      const w = new V9Widget(gw.port);
      await w.register(); // 1 token
      const results = await Promise.all(Array.from({ length: 15 }, () => w.emitAck('getHistory', {})));
      const refused = results.filter((r) => r.err?.name === 'WG_ERR_RATE_LIMITED').length;
      assert.ok(refused >= 5 && refused <= 7, `${refused} of 15 refused`);
      await sleep(1000); // 5 tokens back
      const again = await w.emitAck('getHistory', {});
      assert.equal(again.err, null);
      assert.equal(w.state, 'open', 'a short burst does not close the socket');
      w.close();
    } finally {
      await gw.stop();
    }
  });

  it('closes a socket that keeps flooding (4400), and only that one', async () => {
    const gw = await startGateway({ CLIENT_RATE: '5', CLIENT_BURST: '10' });
    try {
      const flooder = new V9Widget(gw.port);
      const calm = new V9Widget(gw.port);
      await flooder.register();
      await calm.register();
      for (let i = 0; i < 100; i++) flooder.socket.emit('getHistory', {});
      await waitFor(() => flooder.closes.includes(4400), 5000, 'flooder closed with 4400');
      assert.equal(calm.state, 'open');
      assert.equal((await calm.emitAck('getHistory', {})).err, null);
      calm.close();
    } finally {
      await gw.stop();
    }
  });
});

describe('per-address limits', () => {
  it('refuses connections beyond MAX_CONNECTIONS_PER_IP until one closes', async () => {
    const gw = await startGateway({ MAX_CONNECTIONS_PER_IP: '3' });
    try {
      const open = await Promise.all([1, 2, 3].map(() => tryConnect(gw.port)));
      assert.ok(open.every((o) => o.open));
      const fourth = await tryConnect(gw.port);
      assert.equal(fourth.open, false);
      assert.match(fourth.reason!, /WG_ERR_TOO_MANY_CONNECTIONS/);
      open[0]!.ws!.close();
      await sleep(100);
      const again = await tryConnect(gw.port);
      assert.ok(again.open, 'a slot freed by a close is usable');
      for (const o of [...open.slice(1), again]) o.ws!.close();
    } finally {
      await gw.stop();
    }
  });

  it('believes X-Forwarded-For only from TRUSTED_PROXIES', async () => {
    const direct = await startGateway({ MAX_CONNECTIONS_PER_IP: '2' });
    const proxied = await startGateway({ MAX_CONNECTIONS_PER_IP: '2', TRUSTED_PROXIES: '127.0.0.1' });
    try {
      // Untrusted peer: spoofed headers do not buy more connections.
      const spoof = await Promise.all(['1.1.1.1', '2.2.2.2', '3.3.3.3'].map((ip) => tryConnect(direct.port, { 'x-forwarded-for': ip })));
      assert.deepEqual(
        spoof.map((s) => s.open),
        [true, true, false],
      );
      // Behind a trusted proxy: each client address has its own budget.
      const viaProxy = await Promise.all(['1.1.1.1', '1.1.1.1', '1.1.1.1', '2.2.2.2'].map((ip) => tryConnect(proxied.port, { 'x-forwarded-for': ip })));
      assert.deepEqual(viaProxy.map((s) => s.open).sort(), [false, true, true, true]);
      for (const s of [...spoof, ...viaProxy]) s.ws?.close();
    } finally {
      await direct.stop();
      await proxied.stop();
    }
  });

  it('refuses registrations beyond MAX_REGISTRATIONS_PER_MINUTE', async () => {
    const gw = await startGateway({ MAX_REGISTRATIONS_PER_MINUTE: '3' });
    try {
      const w = new V9Widget(gw.port);
      for (let i = 0; i < 3; i++) assert.ok((await w.register()).urn);
      const refused = await w.register();
      assert.equal(refused.error, 'WG_ERR_RATE_LIMITED');
      assert.match(refused.message, /registrations/);
      w.close();
    } finally {
      await gw.stop();
    }
  });
});

describe('REGISTER_TIMEOUT', () => {
  it('closes a socket that never registers (4501), not one that did', async () => {
    const gw = await startGateway({ REGISTER_TIMEOUT: '300ms' });
    try {
      const idle = new V9Widget(gw.port);
      const registered = new V9Widget(gw.port);
      await registered.register();
      await waitFor(() => idle.closes.includes(4501), 5000, 'idle socket closed with 4501');
      await sleep(400);
      assert.equal(registered.state, 'open');
      registered.close();
    } finally {
      await gw.stop();
    }
  });
});
