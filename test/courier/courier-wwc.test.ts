// The gateway against the real courier (weni-ai/courier 1.64, Weni Web Chat channel "WWC") with
// the real @weni/webchat-service 1.5.0: PLATFORM_CHANNEL_TYPE=wwc, the channel's base_url is
// <gateway>/hooks/<WEBHOOK_TOKEN> (courier sends no credentials). A visitor's message becomes
// courier's incoming message (with its context and contact fields); bot messages queued as
// mailroom queues them reach the widget once, in order, and end S (courier's WWC channel has no
// delivery receipts: 2xx from /send is "sent"); messages queued while the visitor is away wait.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep } from '../helpers/clients.js';
import { eventually, freePort, RealCourier, WWC_CHANNEL } from '../helpers/courier.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { createService, dispose, MemoryStorage } from '../helpers/wwc-clients.js';

async function init(service: any): Promise<void> {
  await Promise.race([service.init(), sleep(10_000).then(() => Promise.reject(new Error('init() did not resolve: no ready_for_message')))]);
}

const incoming = (service: any): string[] =>
  service
    .getMessages()
    .filter((m: any) => m.direction === 'incoming')
    .map((m: any) => m.text);

describe('against the real courier: Weni Web Chat channel (WWC) with @weni/webchat-service', () => {
  let courier: RealCourier;
  let gw: RunningGateway;
  const services: any[] = [];
  const open = async (storage = new MemoryStorage()): Promise<any> => {
    const { service } = createService({ socketUrl: `127.0.0.1:${gw.port}`, channelUuid: WWC_CHANNEL, host: courier.url, storage });
    services.push(service);
    await init(service);
    return service;
  };

  before(async () => {
    const port = await freePort();
    gw = await startGateway({
      PLATFORM_URL: `http://127.0.0.1:${port}`,
      PLATFORM_CHANNEL_TYPE: 'wwc',
      CHANNEL_UUID: WWC_CHANNEL,
      WEBHOOK_TOKEN: TEST_TOKEN,
    });
    courier = await RealCourier.start({ gatewayUrl: gw.url, webhookToken: TEST_TOKEN, port, wwcBaseUrl: `${gw.url}/hooks/${TEST_TOKEN}` });
  });

  after(async () => {
    for (const s of services) dispose(s);
    await gw?.stop();
    await courier?.stop();
  });

  it("a visitor's message becomes courier's incoming message of ext:<from>, context in its text and contact fields in courier's task for mailroom", async () => {
    const service = await open();
    const from: string = service.getSessionId();
    service.setContext('page: /shoes');
    service.setCustomField('plan', 'gold');
    await service.sendMessage('Olá, "courier" ✓');
    const [msg] = await eventually(
      () => courier.messages(from),
      (rows) => rows.length === 1,
      10_000,
      (rows) => JSON.stringify(rows),
    );
    assert.deepEqual([msg!.direction, msg!.text, msg!.urn], ['I', 'Olá, "courier" ✓; Context: page: /shoes', `ext:${from}`]);
    const tasks = await courier.mailroomTasks(from);
    const event = tasks.find((t) => t.type === 'msg_event');
    assert.ok(event, `a msg_event for mailroom: ${JSON.stringify(tasks)}`);
    assert.deepEqual(event.task['new_contact_fields'], { plan: 'gold' });

    service.setCustomField('size', '42');
    await sleep(200);
    await service.sendMessage('second');
    await eventually(
      () => courier.messages(from),
      (rows) => rows.length === 2,
      10_000,
      (rows) => JSON.stringify(rows),
    );
    const events = (await courier.mailroomTasks(from)).filter((t) => t.type === 'msg_event');
    assert.deepEqual(events[1]?.task['new_contact_fields'], { size: '42' }, 'the set_custom_field value went with the next message');
  });

  it('bot messages queued as mailroom queues them reach the widget once, with quick replies, and end S', async () => {
    const service = await open();
    const from: string = service.getSessionId();
    await service.sendMessage('hi bot');
    await eventually(
      () => courier.messages(from),
      (rows) => rows.length === 1,
      10_000,
      (rows) => JSON.stringify(rows),
    );
    // One at a time: courier's sender workers may post a burst in either order (the gateway keeps arrival order).
    const items = [{ text: 'Oi! Escolha "uma" opção', quickReplies: ['Sim', 'Não'] }, { text: 'segunda' }, { text: 'terceira \\o/' }];
    const ids: number[] = [];
    for (const [i, item] of items.entries()) {
      ids.push(...(await courier.queueSends(from, [item], 10, WWC_CHANNEL)));
      await eventually(
        async () => incoming(service),
        (texts) => texts.length >= i + 1,
        15_000,
        (texts) => `shown: ${JSON.stringify(texts)}`,
      );
    }
    await sleep(500);
    assert.deepEqual(incoming(service), ['Oi! Escolha "uma" opção', 'segunda', 'terceira \\o/']);
    const first = service.getMessages().find((m: any) => m.text === 'Oi! Escolha "uma" opção');
    assert.deepEqual(first.quick_replies, ['Sim', 'Não']);
    const statuses = await eventually(
      async () => [...(await courier.statuses(ids)).values()],
      (s) => s.every((x) => x === 'S'),
      10_000,
      (s) => `statuses ${JSON.stringify(s)}`,
    );
    assert.deepEqual(statuses, ['S', 'S', 'S']);
  });

  it('a bot message queued while the visitor is away is shown once when the widget comes back', async () => {
    const storage = new MemoryStorage();
    const first = await open(storage);
    const from: string = first.getSessionId();
    await first.sendMessage('leaving soon');
    await eventually(
      () => courier.messages(from),
      (rows) => rows.length === 1,
      10_000,
      (rows) => JSON.stringify(rows),
    );
    dispose(first);
    const [id] = await courier.queueSends(from, [{ text: 'while you were away' }], 10, WWC_CHANNEL);
    await eventually(
      async () => [...(await courier.statuses([id!])).values()],
      (s) => s[0] === 'S',
      10_000,
      (s) => `status ${JSON.stringify(s)}`,
    );
    const again = await open(storage);
    assert.equal(again.getSessionId(), from, 'same visitor');
    await eventually(
      async () => incoming(again),
      (texts) => texts.length >= 1,
      10_000,
      (texts) => JSON.stringify(texts),
    );
    await sleep(500);
    assert.deepEqual(incoming(again), ['while you were away']);
  });
});
