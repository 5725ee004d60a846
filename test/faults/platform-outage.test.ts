// Fault: the platform is down, rate-limits, refuses, or hangs. User messages wait in the durable
// outbox and reach the platform once each, in order per session; a refused one is given up at
// once; Retry-After is honoured; a bad session never holds up the others.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sleep, V9Widget, waitFor } from '../helpers/clients.js';
import { dedupeTexts, HangingPlatform, isSubsequence, report, scratchDir, waitUntil } from '../helpers/faults.js';
import { startGateway, TEST_ENV, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { PlatformStandIn } from '../helpers/platform.js';

const OUTAGE_MS = 10_000;
const RETRY_MAX_MS = 400; // TEST_ENV RETRY_MAX

describe('platform outages', () => {
  let platform: PlatformStandIn;
  let hanging: HangingPlatform;
  let gw: RunningGateway;
  const widgets: V9Widget[] = [];
  // The stand-in's behaviour, switched by each test.
  let outageUntil = 0;
  const failing = new Set<string>(); // urns answered 503 while present
  const refused = new Set<string>(); // texts answered 400
  const rateLimitedOnce = new Set<string>(); // urns whose next call gets 429 Retry-After: 1
  const attemptsAt = new Map<string, number[]>(); // urn -> times the stand-in saw a receive call
  const attemptTexts = new Map<string, string[]>();

  before(async () => {
    assert.equal(TEST_ENV['RETRY_MAX'], `${RETRY_MAX_MS}ms`);
    platform = await new PlatformStandIn().start();
    platform.responder = (_req, form) => {
      const from = form.get('from') ?? '';
      const text = form.get('text') ?? '';
      (attemptsAt.get(from) ?? attemptsAt.set(from, []).get(from)!).push(Date.now());
      (attemptTexts.get(from) ?? attemptTexts.set(from, []).get(from)!).push(text);
      if (Date.now() < outageUntil) return { status: 503, body: 'maintenance' };
      if (failing.has(from)) return { status: 503, body: 'this one is broken' };
      if (refused.has(text)) return { status: 400, body: 'bad request' };
      if (rateLimitedOnce.delete(from)) return { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' };
      return undefined;
    };
    hanging = await new HangingPlatform().start();
    gw = await startGateway({
      STORE_URL: `sqlite:${join(scratchDir('wg-outage-'), 'g.db')}`,
      PLATFORM_URL: platform.url,
      PLATFORM_HOSTS: hanging.url,
      WEBHOOK_TOKEN: TEST_TOKEN,
      PLATFORM_TIMEOUT: '2s',
    });
  });
  after(async () => {
    for (const w of widgets) w.close();
    await gw.stop();
    await platform.stop();
    await hanging.stop();
  });

  async function widget(data: Record<string, unknown> = {}): Promise<V9Widget & { urn: string }> {
    const w = new V9Widget(gw.port);
    widgets.push(w);
    await w.register(data);
    assert.ok(w.urn);
    return w as V9Widget & { urn: string };
  }

  it('keeps 200 messages of 20 sessions through a 10 s outage (503) and delivers each once, in order', async () => {
    const ws = await Promise.all(Array.from({ length: 20 }, () => widget()));
    const expected = new Map(ws.map((w, i) => [w.urn, Array.from({ length: 10 }, (_, k) => `s${i} m${k}`)]));
    const pendingBefore = (await gw.gateway.store.outboxStats()).pending;
    const start = Date.now();
    outageUntil = start + OUTAGE_MS;
    // Like the widget: after registerUser, sendMessageToChannel without a callback.
    for (let k = 0; k < 10; k++) for (const w of ws) w.send(expected.get(w.urn)![k]!);

    // All 200 are kept in the outbox while the platform refuses them.
    let pending = 0;
    for (let i = 0; i < 250 && pending - pendingBefore < 200; i++) {
      pending = (await gw.gateway.store.outboxStats()).pending;
      if (pending - pendingBefore < 200) await sleep(20);
    }
    assert.equal(pending - pendingBefore, 200, 'every user message waits in the outbox');
    assert.ok(Date.now() < outageUntil, 'still in the outage');
    assert.equal(ws.filter((w) => platform.textsFrom(w.urn).length > 0).length, 0, 'nothing reached the platform during the outage');

    await waitUntil(
      () => ws.every((w) => platform.textsFrom(w.urn).length >= 10),
      OUTAGE_MS + 15_000,
      () => `all 200 at the platform; have ${ws.reduce((n, w) => n + platform.textsFrom(w.urn).length, 0)}`,
    );
    const recoveredIn = Date.now() - outageUntil;
    await sleep(300); // anything extra would show up now
    let delivered = 0;
    let duplicates = 0;
    for (const w of ws) {
      const got = platform.textsFrom(w.urn);
      delivered += dedupeTexts(got).unique.length;
      duplicates += dedupeTexts(got).duplicates;
      assert.deepEqual(got, expected.get(w.urn), `session ${w.urn}: each once, in order`);
    }
    // Retries kept going through the whole outage at the capped pace (RETRY_MAX 400 ms, jitter
    // in [200, 400]); a gap far above the cap would mean a session stalled.
    let totalAttempts = 0;
    let maxGap = 0;
    for (const w of ws) {
      const times = attemptsAt.get(w.urn)!.filter((t) => t < outageUntil);
      totalAttempts += times.length;
      assert.ok(times.length >= 10, `session ${w.urn} retried during the outage (${times.length} attempts)`);
      for (let i = 1; i < times.length; i++) maxGap = Math.max(maxGap, times[i]! - times[i - 1]!);
    }
    assert.ok(maxGap <= RETRY_MAX_MS + 1000, `largest gap between attempts of a session during the outage: ${maxGap} ms`);
    assert.ok(recoveredIn < 5000, `all delivered ${recoveredIn} ms after the platform came back`);
    assert.equal((await gw.gateway.store.outboxStats()).pending, pendingBefore);
    report('platform-outage 503x10s', {
      sent: 200,
      delivered,
      duplicates,
      lost: 200 - delivered,
      attemptsDuringOutage: totalAttempts,
      maxGapMs: maxGap,
      recoveredInMs: recoveredIn,
      elapsedMs: Date.now() - start,
    });
  });

  it('does not retry a 400: one attempt, entry failed, the session carries on', async () => {
    const w = await widget();
    const failedBefore = (await gw.gateway.store.outboxStats()).failed;
    refused.add(`${w.urn} refused`);
    assert.equal((await w.sendAck({ text: `${w.urn} refused`, userUrn: w.urn })).err, null);
    assert.equal((await w.sendAck({ text: 'after the refused one', userUrn: w.urn })).err, null);
    await waitFor(() => platform.textsFrom(w.urn).length === 1, 5000, 'the next message');
    await sleep(1000); // RETRY_BASE is 50 ms: a retry would have happened many times by now
    assert.deepEqual(attemptTexts.get(w.urn), [`${w.urn} refused`, 'after the refused one'], 'one attempt for the 400, then the next message');
    assert.deepEqual(platform.textsFrom(w.urn), ['after the refused one']);
    assert.equal((await gw.gateway.store.outboxStats()).failed - failedBefore, 1, 'the refused entry is kept as failed');
  });

  it('waits for Retry-After (1 s) after a 429 before the next attempt', async () => {
    const w = await widget();
    rateLimitedOnce.add(w.urn);
    assert.equal((await w.sendAck({ text: 'rate limited', userUrn: w.urn })).err, null);
    await waitFor(() => platform.textsFrom(w.urn).length === 1, 5000, 'delivered after the 429');
    const times = attemptsAt.get(w.urn)!;
    assert.equal(times.length, 2, 'one 429, one success');
    const gap = times[1]! - times[0]!;
    report('platform-outage 429', { retryAfterMs: 1000, gapMs: gap });
    assert.ok(gap >= 900, `next attempt ${gap} ms after the 429`);
    assert.ok(gap < 3000, `but not much later (${gap} ms)`);
    assert.deepEqual(platform.textsFrom(w.urn), ['rate limited']);
  });

  it('does not let sessions whose platform hangs or fails hold up another session', async () => {
    const hangers = await Promise.all(Array.from({ length: 3 }, () => widget({ hostApi: hanging.url })));
    const failers = await Promise.all(Array.from({ length: 3 }, () => widget()));
    for (const f of failers) failing.add(f.urn);
    const healthy = await widget();
    const texts = (urn: string, n: number) => Array.from({ length: n }, (_, i) => `${urn.slice(0, 6)} ${i}`);
    for (const w of [...hangers, ...failers]) for (const t of texts(w.urn, 5)) assert.equal((await w.sendAck({ text: t, userUrn: w.urn })).err, null);
    await waitFor(() => hangers.every((h) => hanging.textsFrom(h.urn).length === 1), 5000, 'each hanging session has a call in flight');
    const start = Date.now();
    for (const t of texts(healthy.urn, 20)) assert.equal((await healthy.sendAck({ text: t, userUrn: healthy.urn })).err, null);
    await waitFor(() => platform.textsFrom(healthy.urn).length === 20, 5000, 'the healthy session');
    const healthyMs = Date.now() - start;
    assert.deepEqual(platform.textsFrom(healthy.urn), texts(healthy.urn, 20));
    // PLATFORM_TIMEOUT is 2 s: had the healthy session waited behind a hung call, it would show.
    assert.ok(healthyMs < 1500, `20 messages of the healthy session took ${healthyMs} ms`);
    for (const h of hangers) assert.deepEqual(hanging.textsFrom(h.urn), [texts(h.urn, 5)[0]], 'a hung session has one call in flight, no more');
    for (const f of failers) assert.equal(platform.textsFrom(f.urn).length, 0);

    // Both recover: every held message arrives in order (a timed-out call may be repeated).
    hanging.release();
    for (const f of failers) failing.delete(f.urn);
    await waitUntil(
      () => hangers.every((h) => new Set(hanging.textsFrom(h.urn)).size === 5) && failers.every((f) => platform.textsFrom(f.urn).length === 5),
      15_000,
      () => `recovery: hangers ${hangers.map((h) => new Set(hanging.textsFrom(h.urn)).size)} failers ${failers.map((f) => platform.textsFrom(f.urn).length)}`,
    );
    let repeats = 0;
    for (const h of hangers) {
      const got = hanging.textsFrom(h.urn);
      const d = dedupeTexts(got);
      repeats += d.duplicates;
      assert.deepEqual(d.unique, texts(h.urn, 5), 'hung session: in order');
      // Repeats only of a call that timed out, i.e. immediately repeated, never out of order.
      assert.ok(isSubsequence(d.unique, got));
      for (let i = 1; i < got.length; i++) assert.ok(texts(h.urn, 5).indexOf(got[i]!) >= texts(h.urn, 5).indexOf(got[i - 1]!), `no going back: ${got}`);
    }
    for (const f of failers) assert.deepEqual(platform.textsFrom(f.urn), texts(f.urn, 5));
    report('platform-outage isolation', {
      healthySent: 20,
      healthyDelivered: platform.textsFrom(healthy.urn).length,
      healthyMs,
      hungSessions: 3,
      failingSessions: 3,
      repeatsAfterTimeout: repeats,
    });
  });
});
