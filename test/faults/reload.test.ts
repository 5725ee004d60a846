// Fault: the page reloads (the socket closes; a new client with the same stored token
// subscribes straight to its urn) while the platform keeps sending. Plus the replay controls a
// widget has: duplicate platform ids, subscribe `since`, and getHistory.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CurrentWidget, sleep, TokenJar, V9Widget, waitFor } from '../helpers/clients.js';
import { dedupeById, report, waitUntil } from '../helpers/faults.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { PlatformStandIn, postToGateway } from '../helpers/platform.js';

describe('page reloads and replay', () => {
  let platform: PlatformStandIn;
  let gw: RunningGateway;
  const open: Array<{ close(): void }> = [];
  before(async () => {
    platform = await new PlatformStandIn().start();
    gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, RECEIPT_PING_DELAY: '10ms' });
  });
  after(async () => {
    for (const w of open) w.close();
    await gw.stop();
    await platform.stop();
  });

  function v9(jar = new TokenJar()): V9Widget {
    const w = new V9Widget(gw.port, { jar });
    open.push(w);
    return w;
  }

  async function post(id: string, text: string, to: string): Promise<any> {
    const r = await postToGateway(gw.url, { id, text, to }, { token: TEST_TOKEN });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  }

  it('gives a reloaded widget everything sent while it was away, in order (3 reloads during 150 messages)', async () => {
    const jar = new TokenJar();
    const first = v9(jar);
    const urn = (await first.register()).urn as string;
    await first.subscribeAndWait(urn);
    const instances: V9Widget[] = [first];
    const N = 150;
    const started = Date.now();
    const sending = (async () => {
      for (let k = 0; k < N; k++) {
        await post(`rl-${k}`, `reload ${k}`, urn);
        await sleep(10);
      }
    })();
    let awayMs = 0;
    for (let r = 0; r < 3; r++) {
      await sleep(300 + Math.random() * 200);
      instances.at(-1)!.close();
      const t = Date.now();
      await sleep(150); // the page is loading; messages keep coming
      const next = v9(jar); // same localStorage: same token, no registerUser
      await next.subscribeAndWait(urn);
      awayMs += Date.now() - t;
      instances.push(next);
    }
    await sending;
    const last = instances.at(-1)!;
    await waitUntil(
      () => last.received.some((m) => m.seq === N),
      10_000,
      () => `the last message; last widget has ${last.received.length}`,
    );
    await sleep(200);

    let previousLast = 0;
    for (const [i, w] of instances.entries()) {
      const seqs = w.received.map((m) => m.seq);
      assert.ok(seqs.length > 0, `instance ${i} received something`);
      for (let j = 1; j < seqs.length; j++) assert.equal(seqs[j], seqs[j - 1]! + 1, `instance ${i}: no gap, no reorder: ${seqs.join(',')}`);
      assert.ok(seqs[0]! <= previousLast + 1, `instance ${i} starts at ${seqs[0]}, the previous one stopped at ${previousLast}`);
      previousLast = seqs.at(-1)!;
    }
    assert.equal(previousLast, N);
    const all = instances.flatMap((w) => w.received);
    const d = dedupeById(all);
    assert.deepEqual(d.conflicts, []);
    assert.deepEqual(
      d.unique.map((m) => m.id),
      Array.from({ length: N }, (_, k) => `rl-${k}`),
    );
    report('reload', {
      reloads: 3,
      sent: N,
      delivered: d.unique.length,
      duplicates: d.duplicates,
      lost: N - d.unique.length,
      awayMs,
      elapsedMs: Date.now() - started,
    });
  });

  it('stores and shows a platform message posted twice with the same id once; both posts get 200', async () => {
    const w = v9();
    const urn = (await w.register()).urn as string;
    await w.subscribeAndWait(urn);
    const a = await post('dup-1', 'only once', urn);
    const b = await post('dup-1', 'only once', urn);
    assert.equal(a.duplicate, false);
    assert.equal(b.duplicate, true);
    assert.equal(b.seq, a.seq);
    assert.equal(b.id, 'dup-1');
    await post('dup-2', 'after', urn);
    await waitFor(() => w.received.length >= 2, 5000, 'two messages');
    await sleep(300);
    assert.deepEqual(
      w.received.map((m) => [m.id, m.seq]),
      [
        ['dup-1', 1],
        ['dup-2', 2],
      ],
    );
    const h = await w.emitAck('getHistory', { limit: 10 });
    assert.deepEqual(
      h.data.messages.map((m: any) => m.id),
      ['dup-1', 'dup-2'],
    );
  });

  it('replays what came after `since` on subscribe (current client and v9), and nothing proven without it', async () => {
    // A current socketcluster-client: socket.subscribe(urn, { data: { since } }).
    const cur = new CurrentWidget(gw.port);
    open.push(cur);
    const curUrn = (await cur.register()).urn as string;
    for (let k = 1; k <= 10; k++) await post(`cs-${k}`, `since ${k}`, curUrn);
    await cur.subscribe(curUrn, { data: { since: 6 } });
    await waitFor(() => cur.received.length >= 4, 5000, 'seq 7..10');
    await sleep(200);
    assert.deepEqual(
      cur.received.map((m) => m.seq),
      [7, 8, 9, 10],
    );

    // v9: everything proven delivered; a reload with since rewinds, a reload without does not.
    const jar = new TokenJar();
    const a = v9(jar);
    const urn = (await a.register()).urn as string;
    await a.subscribeAndWait(urn);
    for (let k = 1; k <= 10; k++) await post(`vs-${k}`, `since ${k}`, urn);
    await waitFor(() => a.received.length === 10, 5000, 'ten messages');
    await sleep(300); // the receipt ping answers: deliveredSeq = 10
    a.close();
    const b = v9(jar);
    await b.subscribeAndWait(urn, { data: { since: 2 } });
    await waitFor(() => b.received.length >= 8, 5000, 'seq 3..10');
    const c = v9(jar);
    await c.subscribeAndWait(urn);
    await sleep(300);
    assert.deepEqual(
      b.received.map((m) => m.seq),
      [3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.equal(c.received.length, 0, 'nothing: all was proven delivered');
    await post('vs-11', 'since 11', urn);
    await waitFor(() => c.received.length === 1 && b.received.length === 9, 5000, 'both tabs get the new one');
    assert.equal(c.received[0]!.seq, 11);
  });

  it('returns both directions in order from getHistory (v9 emit with callback)', async () => {
    const w = v9();
    const urn = (await w.register()).urn as string;
    const t0 = Date.now();
    for (let k = 0; k < 5; k++) {
      const r = await w.sendAck({ text: `user ${k}`, userUrn: urn });
      assert.equal(r.err, null);
      await post(`hist-${k}`, `bot ${k}`, urn);
    }
    const h = await w.emitAck('getHistory', { limit: 50 });
    assert.equal(h.err, null);
    const ms = h.data.messages as any[];
    assert.deepEqual(
      ms.map((m) => m.seq),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.deepEqual(
      ms.map((m) => m.direction),
      ['in', 'out', 'in', 'out', 'in', 'out', 'in', 'out', 'in', 'out'],
    );
    assert.deepEqual(
      ms.map((m) => m.text),
      [0, 1, 2, 3, 4].flatMap((k) => [`user ${k}`, `bot ${k}`]),
    );
    for (const [i, m] of ms.entries()) {
      if (m.direction === 'out') assert.equal(m.id, `hist-${(i - 1) / 2}`);
      else assert.match(m.id, /^in-/);
      assert.match(m.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(Date.parse(m.createdAt) >= t0 - 1000 && Date.parse(m.createdAt) <= Date.now() + 1000);
      if (i > 0) assert.ok(Date.parse(m.createdAt) >= Date.parse(ms[i - 1].createdAt), 'createdAt follows seq');
    }
    const newest = await w.emitAck('getHistory', { limit: 4 });
    assert.deepEqual(
      newest.data.messages.map((m: any) => m.seq),
      [7, 8, 9, 10],
      'the newest page, oldest first',
    );
    const page = await w.emitAck('getHistory', { before: 5, limit: 2 });
    assert.deepEqual(
      page.data.messages.map((m: any) => m.seq),
      [3, 4],
    );
    const since = await w.emitAck('getHistory', { since: 8 });
    assert.deepEqual(
      since.data.messages.map((m: any) => m.seq),
      [9, 10],
    );
  });

  it('publishes what waited for an offline session in order, before newer ones', async () => {
    const jar = new TokenJar();
    const first = v9(jar);
    const urn = (await first.register()).urn as string;
    first.close(); // nobody subscribed from here on
    for (let k = 0; k < 30; k++) await post(`off-${k}`, `offline ${k}`, urn);
    const back = v9(jar);
    const subscribed = back.subscribeAndWait(urn);
    // Newer messages race the replay.
    for (let k = 30; k < 60; k++) await post(`off-${k}`, `offline ${k}`, urn);
    await subscribed;
    await waitFor(() => back.received.length >= 60, 5000, '60 messages');
    await sleep(200);
    assert.deepEqual(
      back.received.map((m) => m.id),
      Array.from({ length: 60 }, (_, k) => `off-${k}`),
    );
  });

  it('does not let a `since` beyond the newest message swallow the messages that come next', async () => {
    // A widget may hold a stale since (its storage outlived the gateway's data, or a bug).
    const jar = new TokenJar();
    const w = v9(jar);
    const urn = (await w.register()).urn as string;
    for (let k = 1; k <= 3; k++) await post(`st-${k}`, `stale ${k}`, urn);
    await w.subscribeAndWait(urn, { data: { since: 10 } });
    for (let k = 4; k <= 15; k++) await post(`st-${k}`, `stale ${k}`, urn);
    await sleep(500);
    const got = w.received.map((m) => m.seq);
    // Then a plain reload: whatever this socket did not get must still come.
    w.close();
    const again = v9(jar);
    await again.subscribeAndWait(urn);
    await sleep(500);
    const union = new Set([...got, ...again.received.map((m) => m.seq)]);
    report('stale since', {
      newestAtSubscribe: 3,
      since: 10,
      postedAfter: 12,
      receivedBySinceSocket: got.length,
      firstSeq: got[0] ?? '-',
      replayedOnReload: again.received.length,
    });
    for (let seq = 4; seq <= 15; seq++)
      assert.ok(union.has(seq), `seq ${seq} (posted after the subscription) never reached a widget; got ${got} then ${again.received.map((m) => m.seq)}`);
  });
});
