// Fault: the gateway is told to stop (SIGTERM) while the platform is down and widgets are
// connected. It must exit 0 within SHUTDOWN_TIMEOUT, close widgets with 1012 so they reconnect,
// keep accepting /send on the connections it still has (a refusal costs a visitor five minutes of
// courier/mailroom retries) until its listener is closed, and the next start must forward the
// user messages still waiting in the outbox and replay platform messages to the returning widgets.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sleep, TokenJar, V9Widget } from '../helpers/clients.js';
import { dedupeById, isStrictlyIncreasing, report, scratchDir, splitRequest, unrefSleep, waitUntil } from '../helpers/faults.js';
import { spawnGateway, TEST_TOKEN, type GatewayProcess } from '../helpers/gateway.js';
import { PlatformStandIn, postToGateway } from '../helpers/platform.js';

const SESSIONS = 5;
const USER_MSGS = 10;

describe('graceful shutdown (SIGTERM)', () => {
  it('exits 0 quickly, closes widgets with 1012, never answers /send with an error, and the next start resumes the outbox', async () => {
    const db = join(scratchDir('wg-shutdown-'), 'g.db');
    let platform = await new PlatformStandIn().start();
    const platformPort = platform.port;
    const env = { STORE_URL: `sqlite:${db}`, PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, PLATFORM_TIMEOUT: '1s' };
    let gp: GatewayProcess = await spawnGateway(env);
    const port = gp.port;
    const url = gp.url;
    const widgets: V9Widget[] = [];
    let restarted = false;
    try {
      for (let i = 0; i < SESSIONS; i++) {
        const w = new V9Widget(port, { jar: new TokenJar(), autoReconnect: true });
        await w.register();
        await w.subscribeAndWait();
        widgets.push(w);
      }
      // The platform goes down; the widgets' messages are accepted and wait in the outbox.
      await platform.stop();
      const userTexts = widgets.map((_, i) => Array.from({ length: USER_MSGS }, (_, k) => `s${i} user ${k}`));
      for (const [i, w] of widgets.entries()) {
        for (const text of userTexts[i]!) {
          const r = await w.sendAck({ text, userUrn: w.urn });
          assert.equal(r.err, null, 'accepted');
        }
      }
      await sleep(300); // a few failed attempts against the dead platform

      // A courier-like poster keeps sending through the shutdown.
      const outcomes: Array<{ id: string; i: number; status: number | 'network-error'; error?: string; at: number }> = [];
      let posting = true;
      let n = 0;
      const poster = (async () => {
        while (posting) {
          const i = n % SESSIONS;
          const id = `sd-${n++}`;
          try {
            const r = await postToGateway(url, { id, text: `platform ${id}`, to: widgets[i]!.urn! }, { token: TEST_TOKEN });
            outcomes.push({ id, i, status: r.status, error: r.body?.error ?? r.body?.code, at: Date.now() });
          } catch {
            outcomes.push({ id, i, status: 'network-error', at: Date.now() });
          }
          await sleep(5);
        }
      })();
      await sleep(200);

      const t = Date.now();
      gp.child.kill('SIGTERM');
      const code = await gp.exited;
      const exitMs = Date.now() - t;
      const exitedAt = Date.now();
      await sleep(300); // /send after exit
      posting = false;
      await poster;

      assert.equal(code, 0, gp.output().slice(-2000));
      assert.ok(exitMs < 10_000, `exited after ${exitMs} ms`);
      assert.ok(exitMs < 5_000, `exited after ${exitMs} ms: the graceful path finished on its own, not by SHUTDOWN_TIMEOUT (10 s)`);
      for (const w of widgets) assert.ok(w.closes.includes(1012), `widget closed with 1012 (saw ${w.closes})`);
      const during = outcomes.filter((o) => o.at >= t);
      const refused503 = during.filter((o) => o.status === 503);
      // Answered means accepted: the store is open until the listener and its connections closed.
      for (const o of outcomes) assert.ok(o.status === 200 || o.status === 'network-error', `unexpected /send answer ${o.status} ${o.error ?? ''}`);
      const afterExit = outcomes.filter((o) => o.at > exitedAt + 50);
      assert.ok(afterExit.length > 0 && afterExit.every((o) => o.status === 'network-error'), 'connection refused after exit');

      // Next start: platform back up on its address, gateway on the same file and port.
      platform = await new PlatformStandIn().start(platformPort);
      gp = await spawnGateway(env, port);
      restarted = true;
      await waitUntil(
        () => widgets.every((w, i) => platform.textsFrom(w.urn!).length >= userTexts[i]!.length),
        15_000,
        () => `outbox resumed: ${widgets.map((w) => platform.textsFrom(w.urn!).length)}`,
      );
      // Courier posts again whatever got no 200.
      const notAccepted = outcomes.filter((o) => o.status !== 200);
      for (const o of notAccepted) {
        const r = await postToGateway(gp.url, { id: o.id, text: `platform ${o.id}`, to: widgets[o.i]!.urn! }, { token: TEST_TOKEN });
        assert.equal(r.status, 200);
      }
      const expectedIds = widgets.map((_, i) => outcomes.filter((o) => o.i === i).map((o) => o.id));
      await waitUntil(
        () => widgets.every((w, i) => dedupeById(w.received).unique.length === expectedIds[i]!.length),
        15_000,
        () => `platform messages replayed: ${widgets.map((w, i) => `${dedupeById(w.received).unique.length}/${expectedIds[i]!.length}`)}`,
      );
      await sleep(300);
      let duplicates = 0;
      for (const [i, w] of widgets.entries()) {
        assert.deepEqual(platform.textsFrom(w.urn!), userTexts[i], `session ${i}: each user message once, in order`);
        const d = dedupeById(w.received);
        duplicates += d.duplicates;
        assert.deepEqual(d.conflicts, []);
        assert.deepEqual(new Set(d.unique.map((m) => m.id)), new Set(expectedIds[i]));
        assert.ok(isStrictlyIncreasing(d.unique.map((m) => m.seq)), 'seq order');
        assert.equal(w.state, 'open', 'the widget reconnected by itself');
      }
      report('graceful-shutdown', {
        exitMs,
        exitCode: String(code),
        userQueued: SESSIONS * USER_MSGS,
        userDeliveredAfterRestart: widgets.reduce((s, w) => s + platform.textsFrom(w.urn!).length, 0),
        posts: outcomes.length,
        accepted200: outcomes.filter((o) => o.status === 200).length,
        refused503: refused503.length,
        networkErrors: outcomes.filter((o) => o.status === 'network-error').length,
        platformDelivered: widgets.reduce((s, w) => s + dedupeById(w.received).unique.length, 0),
        platformDuplicates: duplicates,
      });
    } finally {
      for (const w of widgets) w.close();
      if (restarted || gp.child.exitCode === null) {
        const code = await gp.stop();
        assert.equal(code, 0);
      }
      await platform.stop().catch(() => {});
    }
  });

  it('accepts and keeps /send requests in progress at SIGTERM (headers finished or not) and does not wait out SHUTDOWN_TIMEOUT', async () => {
    const db = join(scratchDir('wg-shutdown-'), 'g.db');
    const env = { STORE_URL: `sqlite:${db}`, PLATFORM_URL: 'http://127.0.0.1:9', WEBHOOK_TOKEN: TEST_TOKEN, SHUTDOWN_TIMEOUT: '10s' };
    let gp = await spawnGateway(env);
    const port = gp.port;
    const jar = new TokenJar();
    const w = new V9Widget(port, { jar });
    const urn = (await w.register()).urn as string;
    w.close();
    const body = (id: string) => JSON.stringify({ id, text: `text ${id}`, to: urn });
    const head = (id: string) =>
      `POST /send HTTP/1.1\r\nHost: gateway\r\nAuthorization: ${TEST_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body(id))}\r\n`;
    // A: courier has started a request (headers not finished) when the signal arrives.
    const a = await splitRequest(port, head('sd-a'));
    // B: headers complete (the shutdown check passed), half of the body sent.
    const bBody = body('sd-b');
    const b = await splitRequest(port, head('sd-b') + '\r\n' + bBody.slice(0, 10));
    await sleep(100);
    const t = Date.now();
    gp.child.kill('SIGTERM');
    await sleep(200);
    const [ra, rb] = await Promise.all([a.finish('\r\n' + body('sd-a')), b.finish(bBody.slice(10))]);
    const exit = await Promise.race([gp.exited, unrefSleep(15_000).then(() => 'still running' as const)]);
    const exitMs = Date.now() - t;
    const closedA = (await Promise.race([a.closedByServer, sleep(0).then(() => 0)])) - t;
    a.destroy();
    b.destroy();
    report('graceful-shutdown in-progress /send', {
      statusA: ra.status,
      statusB: rb.status,
      exitMs,
      exitCode: String(exit),
      connectionAClosedAfterMs: closedA,
    });
    assert.equal(ra.status, 200, `a request begun before the signal is accepted (${JSON.stringify(ra.body)})`);
    assert.equal(rb.status, 200, 'a request begun before the signal is accepted');
    assert.equal(exit, 0);

    // 200 means kept: after a restart the widget gets both; a repeat of A is a duplicate.
    gp = await spawnGateway(env, port);
    try {
      const again = await postToGateway(gp.url, { id: 'sd-a', text: 'text sd-a', to: urn }, { token: TEST_TOKEN });
      assert.deepEqual([again.status, again.body.duplicate], [200, true]);
      const back = new V9Widget(port, { jar });
      await back.subscribeAndWait(urn);
      await waitUntil(
        () => back.received.length >= 2,
        5000,
        () => `replay: ${back.received.map((m) => m.id)}`,
      );
      assert.deepEqual(back.received.map((m) => m.id).sort(), ['sd-a', 'sd-b']);
      back.close();
    } finally {
      assert.equal(await gp.stop(), 0);
    }
    // Last, so the facts above are checked first: the connections that got those answers are
    // idle keep-alive connections; the graceful path must close them instead of waiting for
    // SHUTDOWN_TIMEOUT (10 s) to cut them.
    assert.ok(exitMs < 5_000, `exited ${exitMs} ms after SIGTERM: shutdown sat out SHUTDOWN_TIMEOUT waiting on idle keep-alive /send connections`);
  });

  it('does not let a widget that stopped reading (frozen tab, vanished network) hold the shutdown', async () => {
    const gp = await spawnGateway({ STORE_URL: 'memory:', PLATFORM_URL: 'http://127.0.0.1:9', WEBHOOK_TOKEN: TEST_TOKEN, SHUTDOWN_TIMEOUT: '10s' });
    const live = new V9Widget(gp.port, { jar: new TokenJar() });
    const frozen = new V9Widget(gp.port, { jar: new TokenJar() });
    try {
      for (const w of [live, frozen]) {
        await w.register();
        await w.subscribeAndWait();
      }
      // The frozen peer keeps its TCP connection but never reads again, so it never answers the
      // close frame (ws would wait 30 s for it).
      frozen.socket.transport.socket._socket.pause();
      const t = Date.now();
      gp.child.kill('SIGTERM');
      const exit = await Promise.race([gp.exited, unrefSleep(15_000).then(() => 'still running' as const)]);
      const exitMs = Date.now() - t;
      report('graceful-shutdown frozen widget', { exitMs, exitCode: String(exit) });
      assert.equal(exit, 0);
      assert.ok(live.closes.includes(1012), `the live widget got 1012 (${live.closes})`);
      assert.ok(exitMs < 5_000, `exited ${exitMs} ms after SIGTERM: one unresponsive socket held the graceful path until SHUTDOWN_TIMEOUT`);
    } finally {
      live.close();
      frozen.cutNetwork(); // close() would wait 30 s for a close frame it cannot read
      frozen.close();
      if (gp.child.exitCode === null) await gp.kill9();
    }
  });
});
