// INTERNAL_PORT: metrics, health and the admin API and page move to the internal port; the public
// port keeps the widgets, the webhook, /widget.js and the sample page, and answers 404 for the rest.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { V9Widget } from '../helpers/clients.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { postToGateway } from '../helpers/platform.js';

const ADMIN = 'internal-admin-token';

describe('INTERNAL_PORT', () => {
  let gw: RunningGateway;
  let internal: string;

  before(async () => {
    gw = await startGateway({ INTERNAL_PORT: '0', ADMIN_TOKEN: ADMIN, WEBHOOK_TOKEN: TEST_TOKEN });
    internal = `http://127.0.0.1:${gw.gateway.internalPort}`;
  });
  after(() => gw.stop());

  const status = async (url: string, init: RequestInit = {}) => (await fetch(url, init)).status;
  const bearer = { headers: { authorization: `Bearer ${ADMIN}` } };

  it('serves /metrics, /healthz, /readyz and /admin/ only on the internal port', async () => {
    assert.notEqual(gw.gateway.internalPort, gw.port);
    for (const path of ['/metrics', '/healthz', '/readyz', '/admin/', '/admin/admin.js']) {
      assert.equal(await status(internal + path), 200, `internal ${path}`);
      assert.equal(await status(gw.url + path), 404, `public ${path}`);
    }
    assert.equal(await status(internal + '/admin/api/overview', bearer), 200);
    assert.equal(await status(gw.url + '/admin/api/overview', bearer), 404);
    assert.equal(await status(gw.url + '/admin/sessions/x', { method: 'DELETE', ...bearer }), 404);
  });

  it('keeps widgets, the webhook, the widget bundle and the sample page on the public port only', async () => {
    assert.equal(await status(gw.url + '/'), 200);
    assert.equal(await status(internal + '/'), 404);
    assert.equal(await status(gw.url + '/widget.js'), 200);
    assert.equal(await status(internal + '/widget.js'), 404);
    const w = new V9Widget(gw.port);
    try {
      const { urn } = await w.register();
      await w.subscribeAndWait(urn);
      assert.equal((await postToGateway(gw.url, { text: 'hi', to: urn }, { token: TEST_TOKEN })).status, 200);
      assert.equal((await postToGateway(internal, { text: 'hi', to: urn }, { token: TEST_TOKEN })).status, 404);
    } finally {
      w.close();
    }
  });
});
