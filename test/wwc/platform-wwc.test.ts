import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep, V9Widget, waitFor } from '../helpers/clients.js';
import { CourierWwcStandIn, courierSend } from '../helpers/courier-wwc.js';
import { startGateway, TEST_CHANNEL, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { RawWwc } from '../helpers/wwc-clients.js';

let n = 0;
const visitor = (): string => `${Date.now()}${++n}@shop.example.test`;

describe("courier's WWC channel (PLATFORM_CHANNEL_TYPE=wwc)", () => {
  let gw: RunningGateway;
  let courier: CourierWwcStandIn;
  let callback: string;
  let ws: string;
  const logs: string[] = [];
  before(async () => {
    courier = await new CourierWwcStandIn().start();
    gw = await startGateway(
      { PLATFORM_URL: courier.url, PLATFORM_CHANNEL_TYPE: 'wwc', WEBHOOK_TOKEN: TEST_TOKEN, LOG_LEVEL: 'debug' },
      { logTo: { write: (l) => void logs.push(l) } },
    );
    callback = `${courier.url}/c/wwc/${TEST_CHANNEL}/receive`;
    ws = `ws://127.0.0.1:${gw.port}/ws`;
  });
  after(async () => {
    await gw.stop();
    await courier.stop();
  });

  it("posts a visitor's text to /c/wwc/{uuid}/receive as JSON with a Unix-seconds timestamp, in order", async () => {
    const c = new RawWwc(ws);
    const from = visitor();
    await c.register(from, callback);
    for (let i = 0; i < 10; i++) c.send({ type: 'message', message: { type: 'text', text: `m${i}` } });
    await waitFor(() => courier.textsFrom(from).length === 10, 5000, '10 messages at courier');
    assert.deepEqual(
      courier.textsFrom(from),
      Array.from({ length: 10 }, (_, i) => `m${i}`),
    );
    const r = courier.received.find((x) => x.body.from === from)!;
    assert.equal(r.channel, TEST_CHANNEL);
    assert.match(r.contentType, /^application\/json/);
    assert.deepEqual(Object.keys(r.body).sort(), ['from', 'message', 'type']);
    assert.equal(r.body.type, 'message');
    assert.equal(r.body.message.type, 'text');
    assert.ok(Math.abs(Number(r.body.message.timestamp) - Date.now() / 1000) < 60);
    c.close();
  });

  it("forwards a SocketCluster widget's messages to the WWC channel too (the widget protocol and channel type are independent)", async () => {
    const w = new V9Widget(gw.port);
    const { urn } = await w.register();
    w.send('from socketcluster');
    await waitFor(() => courier.textsFrom(urn).length === 1, 5000, 'at courier');
    await w.subscribeAndWait(urn);
    const res = await courierSend(`${gw.url}/hooks/${TEST_TOKEN}`, {
      to: urn,
      channel_uuid: TEST_CHANNEL,
      message: { type: 'text', timestamp: '1700000000', text: 'to socketcluster' },
    });
    assert.equal(res.status, 200);
    await waitFor(() => w.received.length === 1, 5000, 'reply at the SC widget');
    assert.equal(w.received[0]!.text, 'to socketcluster');
    w.close();
  });

  it('does not retry a 400 from courier, and retries a 503 until accepted', async () => {
    const c = new RawWwc(ws);
    const from = visitor();
    await c.register(from, callback);
    let refused = 0;
    let failures = 0;
    courier.responder = (body) => {
      if (body.from !== from) return undefined;
      if (body.message.text === 'bad') return (refused++, 400);
      return failures++ < 2 ? 503 : undefined;
    };
    c.send({ type: 'message', message: { type: 'text', text: 'bad' } });
    c.send({ type: 'message', message: { type: 'text', text: 'good' } });
    await waitFor(() => courier.textsFrom(from).includes('good'), 5000, 'good accepted after 503s');
    await sleep(300);
    assert.equal(refused, 1, 'the 400 was not retried');
    assert.equal(failures, 3, 'two 503s, then accepted');
    courier.responder = () => undefined;
    c.close();
  });

  it("takes courier's send on /hooks/<WEBHOOK_TOKEN>/send without credentials and delivers the message frame", async () => {
    const c = new RawWwc(ws);
    const from = visitor();
    await c.register(from, callback);
    const res = await courierSend(`${gw.url}/hooks/${TEST_TOKEN}`, {
      to: from,
      channel_uuid: TEST_CHANNEL,
      message: { type: 'text', timestamp: '1700000000', text: 'Simple Message', quick_replies: ['Yes', 'No'] },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'success');
    const f = await c.next('message');
    assert.equal(f['to'], from);
    assert.equal(f['from'], 'Weni Web Chat');
    assert.equal(f['channel_uuid'], TEST_CHANNEL);
    assert.deepEqual(f['message'], { type: 'text', timestamp: '1700000000', text: 'Simple Message', quick_replies: ['Yes', 'No'] });
    const image = await courierSend(`${gw.url}/hooks/${TEST_TOKEN}`, {
      to: from,
      channel_uuid: TEST_CHANNEL,
      message: { type: 'image', timestamp: '', media_url: 'https://cdn.example.org/a.png', caption: 'look' },
    });
    assert.equal(image.status, 200);
    const img = await c.next('message', 2);
    assert.equal(img['message'].type, 'image');
    assert.equal(img['message'].media_url, 'https://cdn.example.org/a.png');
    assert.equal(img['message'].caption, 'look');
    assert.match(img['message'].timestamp, /^\d+$/, 'an empty courier timestamp is filled in');
    c.close();
  });

  it("relays typing_start to the visitor's live connections", async () => {
    const c = new RawWwc(ws);
    const from = visitor();
    await c.register(from, callback);
    const res = await courierSend(`${gw.url}/hooks/${TEST_TOKEN}`, { type: 'typing_start', to: from, from: 'ai-assistant', channel_uuid: TEST_CHANNEL });
    assert.equal(res.status, 200);
    assert.deepEqual(await c.next('typing_start'), { type: 'typing_start', to: from, from: 'ai-assistant', channel_uuid: TEST_CHANNEL });
    c.close();
  });

  it('refuses /send without the path token or Authorization (401), accepts the WWC body on /send with Authorization, and never logs the path token', async () => {
    const from = visitor();
    const c = new RawWwc(ws);
    await c.register(from, callback);
    const body = { to: from, channel_uuid: TEST_CHANNEL, message: { type: 'text', timestamp: '1700000000', text: 'x' } };
    assert.equal((await courierSend(gw.url, body)).status, 401);
    assert.equal((await courierSend(`${gw.url}/hooks/wrong-token`, body)).status, 401);
    assert.equal((await courierSend(`${gw.url}/hooks`, body)).status, 404);
    const authed = await courierSend(
      gw.url,
      { ...body, message: { ...body.message, text: 'with authorization' } },
      { headers: { authorization: `Bearer ${TEST_TOKEN}` } },
    );
    assert.equal(authed.status, 200);
    assert.equal((await c.next('message'))['message'].text, 'with authorization');
    assert.equal(c.of('message').length, 1, 'refused posts delivered nothing');
    assert.ok(logs.length > 0);
    assert.ok(!logs.join('\n').includes(TEST_TOKEN), 'the secret path never reaches the log');
    assert.ok(!logs.join('\n').includes('wrong-token'), 'nor does a wrong one');
    c.close();
  });

  it('stores and shows once a send courier retried with the same Idempotency-Key (200, duplicate)', async () => {
    const c = new RawWwc(ws);
    const from = visitor();
    await c.register(from, callback);
    const body = { to: from, channel_uuid: TEST_CHANNEL, message: { type: 'text', timestamp: '1700000000', text: 'once' } };
    const a = await courierSend(`${gw.url}/hooks/${TEST_TOKEN}`, body, { idempotencyKey: `k-${from}` });
    const b = await courierSend(`${gw.url}/hooks/${TEST_TOKEN}`, body, { idempotencyKey: `k-${from}` });
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(a.body.duplicate, false);
    assert.equal(b.body.duplicate, true);
    await c.next('message');
    await sleep(300);
    assert.equal(c.of('message').length, 1);
    c.close();
  });
});
