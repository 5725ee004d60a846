import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CurrentWidget, V9Widget, waitFor } from '../helpers/clients.js';
import { startGateway, TEST_CHANNEL, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { PlatformStandIn, postToGateway } from '../helpers/platform.js';

describe('a conversation between widgets and the platform', () => {
  let gw: RunningGateway;
  let platform: PlatformStandIn;
  before(async () => {
    platform = await new PlatformStandIn().start();
    gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN });
  });
  after(async () => {
    await gw.stop();
    await platform.stop();
  });

  it("forwards 50 messages of a v9 widget in order to courier's receive URL as form fields", async () => {
    const w = new V9Widget(gw.port);
    const { urn } = await w.register();
    const started = Date.now();
    for (let i = 0; i < 50; i++) w.send(`user ${i}`);
    await waitFor(() => platform.textsFrom(urn).length === 50, 10_000, '50 user messages at the platform');
    assert.deepEqual(
      platform.textsFrom(urn),
      Array.from({ length: 50 }, (_, i) => `user ${i}`),
    );
    const first = platform.received.find((m) => m.from === urn)!;
    assert.equal(first.channel, TEST_CHANNEL);
    assert.match(first.contentType, /application\/x-www-form-urlencoded/);
    assert.ok(Math.abs(Date.parse(first.date) - started) < 10_000, 'date is an RFC3339 time of the message');
    assert.match(first.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    w.close();
  });

  it('publishes 50 platform replies in order on the urn channel, and as receivedMessageFromChannel', async () => {
    const w = new V9Widget(gw.port);
    const { urn } = await w.register();
    await w.subscribeAndWait(urn);
    for (let i = 0; i < 50; i++) {
      const r = await postToGateway(
        gw.url,
        { id: `r${i}`, text: `reply ${i}`, to: urn, from: 'bot', channel: TEST_CHANNEL, quick_replies: ['A', 'B'] },
        { token: TEST_TOKEN },
      );
      assert.equal(r.status, 200);
    }
    await waitFor(() => w.received.length === 50 && w.rawEvents.length === 50, 10_000, '50 replies');
    assert.deepEqual(
      w.received.map((m) => m.text),
      Array.from({ length: 50 }, (_, i) => `reply ${i}`),
    );
    const m = w.received[0]!;
    assert.equal(m.to, urn);
    assert.equal(m.id, 'r0');
    assert.equal(m['from'], 'bot');
    assert.equal(m['channel'], TEST_CHANNEL);
    assert.deepEqual(m.quick_replies, ['A', 'B']);
    assert.deepEqual(
      w.rawEvents.map((e) => e.id),
      w.received.map((e) => e.id),
    );
    w.close();
  });

  it('works the same for a current socketcluster-client', async () => {
    const w = new CurrentWidget(gw.port);
    const { urn } = await w.register();
    await w.subscribe(urn);
    const ack = await w.socket.invoke('sendMessageToChannel', { text: 'from a current client', userUrn: urn });
    assert.match(ack.id, /^in-/);
    await postToGateway(gw.url, { id: 'c1', text: 'hi current', to: urn }, { token: TEST_TOKEN });
    await waitFor(() => w.received.length === 1, 5000, 'reply');
    assert.equal(w.received[0]!.text, 'hi current');
    await waitFor(() => platform.textsFrom(urn).length === 1, 5000, 'forwarded');
    w.close();
  });

  it('answers a callback once the message is stored, and refuses bad messages with a reason', async () => {
    const w = new V9Widget(gw.port);
    const { urn } = await w.register();
    const ok = await w.sendAck({ text: 'stored?', userUrn: urn });
    assert.equal(ok.err, null);
    assert.match(ok.data.id, /^in-/);
    const stored = await gw.gateway.store.readMessages(urn, { limit: 10 });
    assert.ok(
      stored.some((m) => m.id === ok.data.id && m.text === 'stored?'),
      'stored before the answer',
    );

    const cases: Array<[unknown, string]> = [
      [{ text: 'x'.repeat(4097), userUrn: urn }, 'WG_ERR_TEXT_TOO_LONG'],
      [{ text: '', userUrn: urn }, 'WG_ERR_INVALID_PAYLOAD'],
      [{ text: 5, userUrn: urn }, 'WG_ERR_INVALID_PAYLOAD'],
      [{ userUrn: urn }, 'WG_ERR_INVALID_PAYLOAD'],
      [null, 'WG_ERR_INVALID_PAYLOAD'],
      [{ text: 'as someone else', userUrn: 'someone-else' }, 'WG_ERR_NOT_SESSION_OWNER'],
    ];
    for (const [data, code] of cases) {
      const r = await w.sendAck(data);
      assert.equal(r.err?.name, code, JSON.stringify(data)?.slice(0, 60));
      assert.ok(r.err.message.length > 10);
    }
    w.close();
  });

  it('does not let a second socket speak for or read a session', async () => {
    const owner = new V9Widget(gw.port);
    const { urn } = await owner.register();
    await owner.subscribeAndWait(urn);
    const intruder = new V9Widget(gw.port);
    const unregistered = await intruder.sendAck({ text: 'spoof', userUrn: urn });
    assert.equal(unregistered.err?.name, 'WG_ERR_NOT_REGISTERED');
    await intruder.register();
    const spoof = await intruder.sendAck({ text: 'spoof', userUrn: urn });
    assert.equal(spoof.err?.name, 'WG_ERR_NOT_SESSION_OWNER');
    intruder.send('spoof without callback', urn);
    await assert.rejects(intruder.subscribeAndWait(urn));
    const pub = await new Promise<any>((resolve) => intruder.socket.publish(urn, { to: urn, text: 'fake' }, (err: unknown) => resolve(err)));
    assert.equal(pub?.name, 'WG_ERR_PUBLISH_FORBIDDEN');
    await postToGateway(gw.url, { id: 'secret-1', text: 'for the owner only', to: urn }, { token: TEST_TOKEN });
    await waitFor(() => owner.received.length === 1, 5000, 'owner receives');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(intruder.received.length, 0);
    assert.equal(intruder.rawEvents.length, 0);
    assert.ok(!platform.textsFrom(urn).some((t) => t.startsWith('spoof')), 'nothing spoofed reached the platform');
    assert.ok(!owner.received.some((m) => m.text === 'fake'));
    owner.close();
    intruder.close();
  });
});

describe('the built-in demo bot', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({});
  });
  after(() => gw.stop());

  it('answers like a RapidPro flow: an echo plus quick replies, through the delivery path', async () => {
    const w = new V9Widget(gw.port);
    const { urn } = await w.register();
    w.subscribe(urn);
    w.send('hello bot');
    await waitFor(() => w.received.length === 1, 5000, 'bot reply');
    assert.equal(w.received[0]!.text, 'You said: hello bot');
    assert.ok(w.received[0]!.quick_replies.length >= 2);
    w.send(w.received[0]!.quick_replies[0]!);
    await waitFor(() => w.received.length === 2, 5000, 'second reply');
    assert.notEqual(w.received[1]!.text, `You said: ${w.received[0]!.quick_replies[0]}`);
    const history = await gw.gateway.store.readMessages(urn, { limit: 10 });
    assert.deepEqual(
      history.map((m) => m.direction),
      ['in', 'out', 'in', 'out'],
    );
    w.close();
  });
});
