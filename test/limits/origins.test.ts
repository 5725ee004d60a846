import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OriginPolicy } from '../../src/limits/origins.js';
import { startGateway } from '../helpers/gateway.js';
import { tryConnect } from '../helpers/raw-socket.js';

describe('ALLOWED_ORIGINS', () => {
  it('matches exact origins and wildcard subdomains, nothing else', () => {
    const p = new OriginPolicy(['https://shop.example.org', 'https://*.example.com']);
    assert.ok(p.allows('https://shop.example.org'));
    assert.ok(p.allows('https://a.example.com'));
    assert.ok(p.allows('https://a.b.example.com'));
    assert.ok(!p.allows('https://example.com'), 'the wildcard is for subdomains only');
    assert.ok(!p.allows('http://a.example.com'), 'scheme matters');
    assert.ok(!p.allows('https://evilexample.com'));
    assert.ok(!p.allows('https://example.com.evil.org'));
    assert.ok(!p.allows('https://shop.example.org:8443'));
    assert.ok(!p.allows(undefined));
    assert.ok(!p.allows('null'));
    assert.ok(new OriginPolicy([]).allows(undefined), 'unset allows all');
  });

  it('refuses a WebSocket from another origin at the handshake, with the reason', async () => {
    const gw = await startGateway({ ALLOWED_ORIGINS: 'https://shop.example.org,https://*.example.com' });
    try {
      const ok = await tryConnect(gw.port, { origin: 'https://shop.example.org' });
      assert.ok(ok.open);
      ok.ws!.close();
      const sub = await tryConnect(gw.port, { origin: 'https://help.example.com' });
      assert.ok(sub.open);
      sub.ws!.close();
      const bad = await tryConnect(gw.port, { origin: 'https://evil.example.net' });
      assert.equal(bad.open, false);
      assert.equal(bad.status, 401);
      assert.match(bad.reason!, /WG_ERR_ORIGIN_NOT_ALLOWED/);
      const none = await tryConnect(gw.port);
      assert.equal(none.open, false, 'no Origin header is refused too when a list is set');
      assert.match(await (await fetch(gw.url + '/metrics')).text(), /wg_limit_refusals_total\{limit="origin"\} 2/);
    } finally {
      await gw.stop();
    }
  });

  it('stops start-up on a malformed origin', async () => {
    await assert.rejects(startGateway({ ALLOWED_ORIGINS: 'https://ok.org,not an origin' }), /Invalid ALLOWED_ORIGINS/);
  });
});
