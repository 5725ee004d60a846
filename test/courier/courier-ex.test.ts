// The gateway against the real courier (weni-ai/courier 1.64, External channel): widget messages
// become courier's incoming messages, bot messages queued as mailroom queues them reach real
// socketcluster-client 9.x widgets whole (also when courier splits them into parts), and the
// gateway's delivery reports end the messages D (or F) in courier's msgs_msg table, also with
// courier pinned to a CPU that a busy loop keeps loaded. One courier and one gateway per file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { sleep, TokenJar, V9Widget, waitFor } from '../helpers/clients.js';
import { eventually, EX_CHANNEL, freePort, RealCourier, type MsgRow } from '../helpers/courier.js';
import { dedupeById, report } from '../helpers/faults.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';

/** Courier pinned to CPU 0 for the whole file; the load test adds a busy loop on the same CPU. */
const COURIER_CPU = '0';

describe('against the real courier: External channel (EX)', () => {
  let courier: RealCourier;
  let gw: RunningGateway;
  const widgets: V9Widget[] = [];
  // A session nobody listens to: its message must end F (DELIVERY_MAX_AGE), checked last.
  let unheardId = 0;

  const widget = async (jar = new TokenJar()): Promise<V9Widget> => {
    const w = new V9Widget(gw.port, { jar });
    widgets.push(w);
    return w;
  };
  const statusesOf = async (ids: number[]) => [...(await courier.statuses(ids)).values()];

  before(async () => {
    const port = await freePort();
    gw = await startGateway({
      PLATFORM_URL: `http://127.0.0.1:${port}`,
      CHANNEL_UUID: EX_CHANNEL,
      WEBHOOK_TOKEN: TEST_TOKEN,
      STATUS_CALLBACKS: 'true',
      STATUS_DELAY: '2s', // the default, measured against courier
      DELIVERY_MAX_AGE: '4s',
    });
    courier = await RealCourier.start({ gatewayUrl: gw.url, webhookToken: TEST_TOKEN, port, cpus: COURIER_CPU });
    const nobody = await widget();
    const { urn } = await nobody.register();
    unheardId = await courier.queueSend(urn, 'nobody will read this');
  });

  after(async () => {
    for (const w of widgets) w.close();
    await gw?.stop();
    await courier?.stop();
  });

  it('a widget message becomes an incoming message of ext:<urn>; a reply with quotes and quick replies reaches the widget and ends D', async () => {
    const w = await widget();
    const { urn } = await w.register();
    await w.subscribeAndWait(urn);
    const text = 'He said "hi" & <b>ok</b> — ação ✓ \\o/';
    assert.equal((await w.sendAck({ text, userUrn: urn })).err, null);
    const [incoming] = await eventually(
      () => courier.messages(urn),
      (rows) => rows.length === 1,
      5000,
      (rows) => JSON.stringify(rows),
    );
    assert.deepEqual([incoming!.direction, incoming!.text, incoming!.urn], ['I', text, `ext:${urn}`]);

    const reply = 'Você disse "hi"? Escolha: \'sim\' ou "não" \\ {json}';
    const qr = ['Sim', 'Say "no"', 'Ação'];
    const id = await courier.queueSend(urn, reply, qr);
    await waitFor(() => w.received.length === 1, 10_000, 'the reply');
    assert.deepEqual([w.received[0]!.id, w.received[0]!.text, w.received[0]!.quick_replies], [String(id), reply, qr]);
    assert.deepEqual(
      await eventually(
        () => statusesOf([id]),
        (s) => s[0] === 'D',
        10_000,
        (s) => `status ${s}`,
      ),
      ['D'],
    );
  });

  it('a 500-character reply that courier sends in parts is shown whole, buttons on the last part, and ends D', async () => {
    const w = await widget();
    const { urn } = await w.register();
    await w.subscribeAndWait(urn);
    const words = 'Olá! Obrigado por escrever. Aqui está uma resposta longa, com acentos, "aspas" e emojis 🙂, para ver se nada se perde no caminho.'.split(
      ' ',
    );
    let long = '';
    for (let i = 0; long.length < 500; i++) long += (i ? ' ' : '') + words[i % words.length];
    long = long.slice(0, 500).trimEnd();
    const id = await courier.queueSend(urn, long, ['Sim', 'Não']);
    await eventually(
      async () => w.received.length,
      (n) => n >= 4 && Buffer.byteLength(w.received.map((m) => m.text).join(' ')) >= Buffer.byteLength(long) - 4,
      10_000,
      (n) => `${n} parts`,
    );
    await sleep(300);
    const parts = dedupeById(w.received).unique;
    // Nothing lost: the parts, in order, are the text (courier trims the spaces at its split points,
    // which fall between words or, in a long word run, inside one).
    const squeeze = (t: string) => t.replace(/\s+/g, '');
    assert.equal(squeeze(parts.map((m) => m.text).join('')), squeeze(long));
    assert.ok(
      parts.every((m) => long.includes(m.text)),
      'each part is a piece of the text',
    );
    assert.deepEqual(
      parts.map((m) => m.id),
      parts.map((_, i) => (i === 0 ? String(id) : `${id}.${i + 1}`)),
    );
    assert.deepEqual(
      parts.map((m) => m.quick_replies),
      parts.map((_, i) => (i === parts.length - 1 ? ['Sim', 'Não'] : [])),
    );
    for (const m of parts) assert.ok(Buffer.byteLength(m.text) <= 160, `part of ${Buffer.byteLength(m.text)} bytes`);
    const history = await w.emitAck('getHistory', { limit: 50 });
    assert.equal(
      squeeze(
        history.data.messages
          .filter((m: any) => m.direction === 'out')
          .map((m: any) => m.text)
          .join(''),
      ),
      squeeze(long),
    );
    assert.deepEqual(
      await eventually(
        () => statusesOf([id]),
        (s) => s[0] === 'D',
        10_000,
        (s) => `status ${s}`,
      ),
      ['D'],
    );
    report('courier parts', {
      chars: long.length,
      bytes: Buffer.byteLength(long),
      partsShown: parts.length,
      charsShown: parts.map((m) => m.text).join(' ').length,
    });
  });

  it('keeps the order of 50 messages each way', async () => {
    const w = await widget();
    const { urn } = await w.register();
    await w.subscribeAndWait(urn);
    const N = 50;
    const outTexts = Array.from({ length: N }, (_, i) => `bot ${i}`);
    const inTexts = Array.from({ length: N }, (_, i) => `user ${i}`);
    const ids: number[] = [];
    // Both directions at once; the widget emits as fast as it can, courier sends at its queue's rate.
    const queued = (async () => {
      ids.push(
        ...(await courier.queueSends(
          urn,
          outTexts.map((text) => ({ text })),
        )),
      );
    })();
    for (const t of inTexts) w.send(t);
    await queued;
    const rows = await eventually(
      () => courier.messages(urn),
      (r) => r.filter((m) => m.direction === 'I').length >= N,
      20_000,
      (r) => `${r.filter((m) => m.direction === 'I').length} incoming`,
    );
    assert.deepEqual(
      rows.filter((m: MsgRow) => m.direction === 'I').map((m) => m.text),
      inTexts,
    );
    await waitFor(() => dedupeById(w.received).unique.length >= N, 20_000, 'fifty replies');
    await sleep(200);
    // Courier sends a burst with up to 32 workers at once, so the order in which its posts arrive
    // is not always the queue's; the gateway keeps the order they arrived in: the widget shows them
    // in seq order, each once, and its history (after a reload) is the same sequence.
    const shown = dedupeById(w.received);
    assert.deepEqual([shown.duplicates, shown.conflicts], [0, []]);
    assert.deepEqual([...shown.unique.map((m) => m.text)].sort(), [...outTexts].sort());
    const seqs = shown.unique.map((m) => m.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      'shown in the order the gateway accepted them',
    );
    const history = await w.emitAck('getHistory', { limit: 200 });
    assert.deepEqual(
      history.data.messages.filter((m: any) => m.direction === 'out').map((m: any) => m.text),
      shown.unique.map((m) => m.text),
    );
    const st = await eventually(
      () => statusesOf(ids),
      (s) => s.length === N && s.every((x) => x === 'D'),
      10_000,
      (s) => s.join(''),
    );
    const reordered = shown.unique.filter((m, i) => m.text !== outTexts[i]).length;
    report('courier order', {
      sentEachWay: N,
      incomingInOrder: N,
      shownOnceInArrivalOrder: N,
      outOfQueueOrderByCourier: reordered,
      endedD: st.filter((x) => x === 'D').length,
    });
  });

  it('a reloaded page gets what courier sent while it was away, once, in order', async () => {
    const jar = new TokenJar();
    const first = await widget(jar);
    const { urn } = await first.register();
    await first.subscribeAndWait(urn);
    const a = await courier.queueSend(urn, 'before the reload');
    await waitFor(() => first.received.length === 1, 10_000, 'first reply');
    first.close();
    // One after the other: courier posts a burst with several workers at once, so two queued
    // together may reach the gateway in either order (see the order test above). The gateway's
    // order is the order of arrival; here that is the queue's.
    const sent = (n: number) =>
      eventually(
        () => courier.messages(urn),
        (r) => r.filter((m) => m.direction === 'O' && ['W', 'S', 'D'].includes(m.status)).length === n,
        10_000,
        (r) => r.map((m) => m.status).join(''),
      );
    const away = [await courier.queueSend(urn, 'while away 1')];
    await sent(2);
    away.push(await courier.queueSend(urn, 'while away 2'));
    await sent(3);
    const again = await widget(jar); // same localStorage token
    await again.subscribeAndWait(urn);
    await waitFor(() => again.received.length >= 2, 10_000, 'replay after reload');
    await sleep(300);
    assert.deepEqual(
      again.received.map((m) => m.text),
      ['while away 1', 'while away 2'],
    );
    const history = await again.emitAck('getHistory', { limit: 10 });
    assert.deepEqual(
      history.data.messages.map((m: any) => m.text),
      ['before the reload', 'while away 1', 'while away 2'],
    );
    assert.deepEqual(
      await eventually(
        () => statusesOf([a, ...away]),
        (s) => s.every((x) => x === 'D'),
        10_000,
        (s) => s.join(''),
      ),
      ['D', 'D', 'D'],
    );
  });

  it('every proven message ends D with courier pinned to a CPU kept busy by another process', async () => {
    const w = await widget();
    const { urn } = await w.register();
    await w.subscribeAndWait(urn);
    // A bounded busy loop on courier's CPU: it stops by itself after 12 s, and is killed after the test.
    const busy = spawn('taskset', ['-c', COURIER_CPU, process.execPath, '-e', 'const end = Date.now() + 12000; while (Date.now() < end) {}'], {
      stdio: 'ignore',
    });
    try {
      const N = 40;
      const ids: number[] = [];
      ids.push(
        ...(await courier.queueSends(
          urn,
          Array.from({ length: N }, (_, i) => ({ text: `under load ${i}` })),
          30,
        )),
      );
      await waitFor(() => dedupeById(w.received).unique.length >= N, 20_000, 'all shown');
      const st = await eventually(
        () => statusesOf(ids),
        (s) => s.length === N && s.every((x) => x === 'D'),
        15_000,
        (s) => s.join(''),
      );
      report('courier statuses under CPU load', { messages: N, shown: dedupeById(w.received).unique.length, endedD: st.filter((x) => x === 'D').length });
    } finally {
      busy.kill('SIGKILL');
    }
  });

  it('a reply for a urn that has no session is accepted, not errored (no 15 minutes of retries), and reported failed', async () => {
    const id = await courier.queueSend('no-such-session-here', 'are you there?');
    const seen = new Set<string>();
    const [status] = await eventually(
      async () => {
        const s = await statusesOf([id]);
        seen.add(s[0]!);
        return s;
      },
      (s) => s[0] === 'F' || s[0] === 'E',
      10_000,
      (s) => `status ${s}`,
    );
    assert.equal(status, 'F', `courier status ${status} (seen ${[...seen]}): ${await courier.channelLog(3)}`);
    assert.ok(!seen.has('E'), 'never errored');
  });

  it("courier keeps one of two identical texts sent within seconds; the gateway's outbox takes both as accepted", async () => {
    const w = await widget();
    const { urn } = await w.register();
    await w.subscribeAndWait(urn);
    assert.equal((await w.sendAck({ text: 'ok', userUrn: urn })).err, null);
    assert.equal((await w.sendAck({ text: 'ok', userUrn: urn })).err, null);
    assert.equal((await w.sendAck({ text: 'ok then', userUrn: urn })).err, null);
    const rows = await eventually(
      () => courier.messages(urn),
      (r) => r.some((m) => m.text === 'ok then'),
      10_000,
      (r) => JSON.stringify(r),
    );
    await sleep(500);
    assert.deepEqual(
      (await courier.messages(urn)).map((m) => m.text),
      ['ok', 'ok then'],
      JSON.stringify(rows),
    );
    assert.deepEqual(await gw.gateway.store.outboxStats(), { pending: 0, failed: 0 });
  });

  it('a message no widget received within DELIVERY_MAX_AGE ends F', async () => {
    assert.deepEqual(
      await eventually(
        () => statusesOf([unheardId]),
        (s) => s[0] === 'F',
        15_000,
        (s) => `status ${s}`,
      ),
      ['F'],
    );
  });
});
