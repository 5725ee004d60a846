import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TokenJar, V9Widget, waitFor } from '../helpers/clients.js';
import { startGateway, tempDir, TEST_TOKEN } from '../helpers/gateway.js';
import { PlatformStandIn, postToGateway } from '../helpers/platform.js';

const tokenPayload = (jar: TokenJar) => JSON.parse(Buffer.from(jar.token!.split('.')[1]!, 'base64url').toString());

describe('session tokens', () => {
  it('expire after TOKEN_TTL and slide forward on every connection', async () => {
    const gw = await startGateway({ TOKEN_TTL: '1h' });
    try {
      const jar = new TokenJar();
      const a = new V9Widget(gw.port, { jar });
      const { urn } = await a.register();
      await waitFor(() => jar.token !== null, 3000, 'token');
      const first = tokenPayload(jar);
      assert.ok(Math.abs(first.exp - (Date.now() / 1000 + 3600)) < 30, 'exp = now + TOKEN_TTL');
      a.close();
      await new Promise((r) => setTimeout(r, 1100));
      const before = jar.token;
      const b = new V9Widget(gw.port, { jar });
      await waitFor(() => jar.token !== before, 3000, 'renewed token');
      const second = tokenPayload(jar);
      assert.equal(second.urn, urn);
      assert.ok(second.exp > first.exp, 'the expiry moved forward');
      b.close();
    } finally {
      await gw.stop();
    }
  });

  it('stay valid across a key rotation with AUTH_SECRET_PREVIOUS, and not without it', async () => {
    const dir = tempDir();
    const store = `sqlite:${join(dir, 'g.db')}`;
    const jar = new TokenJar();
    const first = await startGateway({ STORE_URL: store, AUTH_SECRET: 'old-secret' });
    let urn: string;
    try {
      const w = new V9Widget(first.port, { jar });
      urn = (await w.register()).urn;
      await waitFor(() => jar.token !== null, 3000, 'token');
      w.close();
    } finally {
      await first.stop();
    }
    const rotated = await startGateway({ STORE_URL: store, AUTH_SECRET: 'new-secret', AUTH_SECRET_PREVIOUS: 'old-secret' });
    try {
      const w = new V9Widget(rotated.port, { jar: Object.assign(new TokenJar(), { token: jar.token }) });
      await w.subscribeAndWait(urn);
      w.close();
    } finally {
      await rotated.stop();
    }
    const forgotten = await startGateway({ STORE_URL: store, AUTH_SECRET: 'new-secret' });
    try {
      const w = new V9Widget(forgotten.port, { jar: Object.assign(new TokenJar(), { token: jar.token }) });
      await assert.rejects(w.subscribeAndWait(urn), (err: Error) => err.name === 'WG_ERR_NOT_SESSION_OWNER');
      w.close();
    } finally {
      await forgotten.stop();
    }
  });
});

describe('admin API', () => {
  it('ends a session: closes its sockets, refuses its token from then on, and needs the admin token', async () => {
    const gw = await startGateway({ ADMIN_TOKEN: 'admin-secret', PLATFORM_URL: 'http://127.0.0.1:9', WEBHOOK_TOKEN: TEST_TOKEN });
    try {
      const jar = new TokenJar();
      const w = new V9Widget(gw.port, { jar });
      const { urn } = await w.register();
      await w.subscribeAndWait(urn);
      const del = (auth?: string) =>
        fetch(`${gw.url}/admin/sessions/${encodeURIComponent(urn)}`, { method: 'DELETE', headers: auth ? { authorization: auth } : {} });
      assert.equal((await del()).status, 401);
      assert.equal((await del('Bearer wrong')).status, 401);
      assert.equal((await del('admin-secret')).status, 401, 'Bearer is required');
      assert.equal((await del(`Bearer ${TEST_TOKEN}`)).status, 401, 'the webhook token is not the admin token');
      const ok = await del('Bearer admin-secret');
      assert.equal(ok.status, 200);
      assert.equal((await ok.json()).socketsClosed, 1);
      await waitFor(() => w.closes.includes(4510), 3000, 'socket closed with 4510');
      // The old token opens nothing, and the platform can no longer reach the session.
      const back = new V9Widget(gw.port, { jar });
      await assert.rejects(back.subscribeAndWait(urn), (err: Error) => err.name === 'WG_ERR_NOT_SESSION_OWNER');
      const r = await back.sendAck({ text: 'still me?', userUrn: urn });
      assert.equal(r.err?.name, 'WG_ERR_NOT_REGISTERED');
      // The platform's later replies to the ended session are accepted and dropped (not stored).
      const late = await postToGateway(gw.url, { id: 'x', text: 'x', to: urn }, { token: TEST_TOKEN });
      assert.deepEqual([late.status, late.body.dropped], [200, true]);
      assert.equal((await del('Bearer admin-secret')).status, 404, 'gone');
      back.close();
    } finally {
      await gw.stop();
    }
  });

  it('is off without ADMIN_TOKEN', async () => {
    const gw = await startGateway({});
    try {
      assert.equal((await fetch(`${gw.url}/admin/sessions/x`, { method: 'DELETE', headers: { authorization: 'Bearer ' } })).status, 404);
    } finally {
      await gw.stop();
    }
  });
});

describe('logs', () => {
  it('never contain tokens, secrets or the Authorization header; message text only at debug', async () => {
    for (const level of ['info', 'debug']) {
      const lines: string[] = [];
      const platform = await new PlatformStandIn().start();
      const gw = await startGateway(
        { LOG_LEVEL: level, PLATFORM_URL: platform.url, WEBHOOK_TOKEN: 'hook-secret-123', AUTH_SECRET: 'sign-secret-456', ADMIN_TOKEN: 'admin-secret-789' },
        { logTo: { write: (l: string) => void lines.push(l) } },
      );
      try {
        const jar = new TokenJar();
        const w = new V9Widget(gw.port, { jar });
        const { urn } = await w.register();
        await w.subscribeAndWait(urn);
        w.send('user text SECRET-ISH');
        await postToGateway(gw.url, { id: 'l1', text: 'platform text SECRET-ISH', to: urn }, { token: 'Bearer hook-secret-123' });
        await postToGateway(gw.url, { id: 'l2', text: 'x', to: urn }, { token: 'Bearer wrong-guess-000' });
        await waitFor(() => w.received.length === 1 && platform.received.length === 1, 5000, 'traffic done');
        await fetch(`${gw.url}/admin/sessions/${urn}`, { method: 'DELETE', headers: { authorization: 'Bearer admin-secret-789' } });
        const all = lines.join('');
        for (const secret of ['hook-secret-123', 'sign-secret-456', 'admin-secret-789', 'wrong-guess-000', jar.token!]) {
          assert.ok(!all.includes(secret), `${level} logs leak ${secret.slice(0, 12)}…`);
        }
        assert.equal(all.includes('SECRET-ISH'), level === 'debug', `message text ${level === 'debug' ? 'appears' : 'does not appear'} at ${level}`);
        w.close();
      } finally {
        await gw.stop();
        await platform.stop();
      }
    }
  });
});

describe('platform calls', () => {
  it('do not follow redirects to other hosts', async () => {
    const elsewhere = await new PlatformStandIn().start();
    const platform = await new PlatformStandIn().start();
    platform.responder = (req) => ({ status: 302, headers: { location: `${elsewhere.url}${req.url}` } });
    const gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN });
    try {
      const w = new V9Widget(gw.port);
      await w.register();
      w.send('redirect me');
      await waitFor(() => platform.attempts === 1, 5000, 'one attempt');
      await waitFor(() => false, 300).catch(() => {}); // time for a wrongly followed redirect
      assert.equal(elsewhere.attempts, 0, 'the redirect target was never called');
      assert.deepEqual(await gw.gateway.store.outboxStats(), { pending: 0, failed: 1 }, 'a redirect is a permanent refusal');
      w.close();
    } finally {
      await gw.stop();
      await platform.stop();
      await elsewhere.stop();
    }
  });

  it('give up on a platform that does not answer within PLATFORM_TIMEOUT, and retry', async () => {
    const platform = await new PlatformStandIn().start();
    const stalled: Array<() => void> = [];
    platform.responder = () => (platform.attempts === 1 ? { status: 200, stall: (release: () => void) => stalled.push(release) } : undefined);
    const gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, PLATFORM_TIMEOUT: '300ms' });
    try {
      const w = new V9Widget(gw.port);
      const { urn } = await w.register();
      w.send('are you there?');
      await waitFor(() => platform.textsFrom(urn).length === 1, 5000, 'accepted on the retry');
      assert.ok(platform.attempts >= 2, 'the hanging call was abandoned and retried');
      w.close();
    } finally {
      stalled.forEach((r) => r());
      await gw.stop();
      await platform.stop();
    }
  });
});
