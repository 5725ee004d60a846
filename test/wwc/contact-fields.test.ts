// A visitor's context and contact fields reach the platform as courier's channels take them:
// WWC `context` (also appended to the text, as weni-webchat-socket does) and `contact_fields`
// (from `message_with_fields` data and from `set_custom_field` values, which wait for the next
// message); EX only the context, in the text. Stored with the message, so they survive a restart.
// The real @weni/webchat-service produces all three (setContext, setCustomField before and after
// the first message); push-webchat 2.11.0 cannot (its outgoing middleware rebuilds every frame
// from `type` and `message` only), so the other cases use raw frames.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sleep, waitFor } from '../helpers/clients.js';
import { CourierWwcStandIn } from '../helpers/courier-wwc.js';
import { scratchDir } from '../helpers/faults.js';
import { startGateway, TEST_CHANNEL, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { PlatformStandIn } from '../helpers/platform.js';
import { createService, dispose, RawWwc } from '../helpers/wwc-clients.js';

let n = 0;
const visitor = (): string => `${Date.now()}${++n}@shop.example.test`;

async function init(service: any): Promise<void> {
  await Promise.race([service.init(), sleep(5000).then(() => Promise.reject(new Error('init() did not resolve: no ready_for_message')))]);
}

describe('context and contact fields to the platform', () => {
  let courier: CourierWwcStandIn;
  let ex: PlatformStandIn;
  let gw: RunningGateway;
  let exGw: RunningGateway;
  let callback: string;
  const dir = scratchDir('wg-wwc-fields-');
  const wwcEnv = () => ({
    STORE_URL: `sqlite:${join(dir, 'g.db')}`,
    PLATFORM_URL: courier.url,
    PLATFORM_CHANNEL_TYPE: 'wwc',
    WEBHOOK_TOKEN: TEST_TOKEN,
    ADMIN_TOKEN: 'admin-secret',
    RETRY_BASE: '100ms',
    RETRY_MAX: '200ms',
  });
  before(async () => {
    courier = await new CourierWwcStandIn().start();
    ex = await new PlatformStandIn().start();
    gw = await startGateway(wwcEnv());
    exGw = await startGateway({ PLATFORM_URL: ex.url, WEBHOOK_TOKEN: TEST_TOKEN });
    callback = `${courier.url}/c/wwc/${TEST_CHANNEL}/receive`;
  });
  after(async () => {
    await Promise.all([gw.stop(), exGw.stop()]);
    await Promise.all([courier.stop(), ex.stop()]);
  });
  const bodiesFrom = (from: string): any[] => courier.received.filter((r) => r.body.from === from).map((r) => r.body);

  it('sends a non-empty context as `context` and appended to the text (history keeps the text as written); an empty one is left out', async () => {
    const c = new RawWwc(`ws://127.0.0.1:${gw.port}/ws`);
    const from = visitor();
    await c.register(from, callback);
    c.send({ type: 'message', message: { type: 'text', text: 'how much?' }, context: 'page: /pricing', from });
    c.send({ type: 'message', message: { type: 'text', text: 'plain' }, context: '', from });
    await waitFor(() => bodiesFrom(from).length === 2, 5000, 'two messages at courier');
    const [withContext, plain] = bodiesFrom(from);
    assert.equal(withContext.message.text, 'how much?; Context: page: /pricing');
    assert.equal(withContext.context, 'page: /pricing');
    assert.equal(plain.message.text, 'plain');
    assert.deepEqual(Object.keys(plain).sort(), ['from', 'message', 'type']);
    c.close();
    // A later connection's history (it covers what came before its register).
    const again = new RawWwc(`ws://127.0.0.1:${gw.port}/ws`);
    const ready = await again.register(from, callback);
    assert.deepEqual(
      ready['data'].history.map((h: any) => h.message.text),
      ['plain', 'how much?'],
    );
    again.close();
  });

  it('sends message_with_fields data as contact_fields with every value a string', async () => {
    const c = new RawWwc(`ws://127.0.0.1:${gw.port}/ws`);
    const from = visitor();
    await c.register(from, callback);
    c.send({ type: 'message_with_fields', message: { type: 'text', text: 'hi' }, context: '', data: { plan: 'gold', visits: 3, vip: true, none: null } });
    await waitFor(() => bodiesFrom(from).length === 1, 5000, 'at courier');
    const [body] = bodiesFrom(from);
    assert.equal(body.type, 'message');
    assert.deepEqual(body.contact_fields, { plan: 'gold', visits: '3', vip: 'true' });
    assert.equal(c.of('error').length, 0);
    c.close();
  });

  it('keeps set_custom_field values (no answer frame) and sends them with the next message only', async () => {
    const c = new RawWwc(`ws://127.0.0.1:${gw.port}/ws`);
    const from = visitor();
    await c.register(from, callback);
    c.send({ type: 'set_custom_field', data: { key: 'age', value: '42' } });
    c.send({ type: 'set_custom_field', data: { key: 'city', value: 'Recife' } });
    c.send({ type: 'set_custom_field', data: { key: 'age', value: '43' } });
    c.send({ type: 'ping' });
    await c.next('pong');
    assert.deepEqual(
      c.frames.map((f) => f.type),
      ['ready_for_message', 'pong'],
      'no frame for set_custom_field',
    );
    c.send({ type: 'message_with_fields', message: { type: 'text', text: 'first' }, data: { plan: 'gold' } });
    c.send({ type: 'message', message: { type: 'text', text: 'second' } });
    await waitFor(() => bodiesFrom(from).length === 2, 5000, 'two messages at courier');
    const [first, second] = bodiesFrom(from);
    assert.deepEqual(first.contact_fields, { age: '43', city: 'Recife', plan: 'gold' });
    assert.equal(second.contact_fields, undefined, 'sent once');
    c.close();
  });

  it("answers a bad set_custom_field with weni-webchat-socket's error texts and keeps the connection", async () => {
    const c = new RawWwc(`ws://127.0.0.1:${gw.port}/ws`);
    await c.opened;
    c.send({ type: 'set_custom_field', data: { key: 'a', value: 'b' } });
    assert.equal((await c.next('error'))['error'], 'unable to redirect: id and url is blank');
    await c.register(visitor(), callback);
    c.send({ type: 'set_custom_field' });
    c.send({ type: 'set_custom_field', data: { value: 'b' } });
    c.send({ type: 'set_custom_field', data: { key: 'a', value: '' } });
    c.send({ type: 'set_custom_field', data: { key: 'a', value: 7 } });
    await c.next('error', 5);
    assert.deepEqual(
      c.of('error').map((f) => f['error']),
      [
        'unable to redirect: id and url is blank',
        'set custom field: data is required',
        'set custom field: key is required',
        'set custom field: value is required',
        'set custom field: value is required',
      ],
    );
    c.send({ type: 'ping' });
    await c.next('pong');
    c.close();
  });

  it('stores a repeated message.client_id from the same session once', async () => {
    const c = new RawWwc(`ws://127.0.0.1:${gw.port}/ws`);
    const from = visitor();
    await c.register(from, callback);
    c.send({ type: 'message', message: { type: 'text', text: 'once', client_id: 'cm-1' } });
    c.send({ type: 'message', message: { type: 'text', text: 'once', client_id: 'cm-1' } });
    c.send({ type: 'message', message: { type: 'text', text: 'two', client_id: 'cm-2' } });
    c.send({ type: 'message', message: { type: 'text', text: 'bad id', client_id: 'no spaces allowed' } });
    await waitFor(() => courier.textsFrom(from).length === 2, 5000, 'two messages at courier');
    await sleep(300);
    assert.deepEqual(courier.textsFrom(from), ['once', 'two']);
    assert.match((await c.next('error'))['error'], /WG_ERR_INVALID_CLIENT_MESSAGE_ID/);
    c.close();
  });

  it('still carries the context and contact fields when the message is forwarded after a gateway restart', async () => {
    const c = new RawWwc(`ws://127.0.0.1:${gw.port}/ws`);
    const from = visitor();
    await c.register(from, callback);
    let refused = 0;
    courier.responder = (body) => (body.from === from ? (refused++, 503) : undefined);
    c.send({ type: 'set_custom_field', data: { key: 'orderform', value: 'of-1' } });
    c.send({ type: 'message', message: { type: 'text', text: 'my order' }, context: 'cart' });
    await waitFor(() => refused >= 1, 5000, 'a refused attempt');
    await gw.stop();
    courier.responder = () => undefined;
    gw = await startGateway(wwcEnv());
    await waitFor(() => bodiesFrom(from).length === 1, 10_000, 'forwarded after the restart');
    const [body] = bodiesFrom(from);
    assert.equal(body.message.text, 'my order; Context: cart');
    assert.equal(body.context, 'cart');
    assert.deepEqual(body.contact_fields, { orderform: 'of-1' });
  });

  it("deletes a session's token binding with the session (admin delete): the visitor may start afresh with another token", async () => {
    const ws = `ws://127.0.0.1:${gw.port}/ws`;
    const from = visitor();
    const a = new RawWwc(ws);
    assert.equal((await a.register(from, callback, { token: 'first-secret' })).type, 'ready_for_message');
    a.close();
    const b = new RawWwc(ws);
    assert.equal((await b.register(from, callback, { token: 'another' }))['error'], 'unable to register: client from already exists');
    b.close();
    const del = await fetch(`${gw.url}/admin/sessions/${encodeURIComponent(from)}`, { method: 'DELETE', headers: { authorization: 'Bearer admin-secret' } });
    assert.equal(del.status, 200);
    const c = new RawWwc(ws);
    assert.equal((await c.register(from, callback, { token: 'another' })).type, 'ready_for_message', 'a new session, bound to the new token');
    c.close();
    const d = new RawWwc(ws);
    assert.equal((await d.register(from, callback, { token: 'first-secret' }))['error'], 'unable to register: client from already exists');
    d.close();
  });

  it('@weni/webchat-service: setContext and setCustomField before the first message (message_with_fields), setCustomField after it (set_custom_field)', async () => {
    const { service } = createService({ socketUrl: `127.0.0.1:${gw.port}`, channelUuid: TEST_CHANNEL, host: courier.url });
    await init(service);
    const from = service.getSessionId();
    service.setContext('product page: shoes');
    service.setCustomField('plan', 'gold');
    await service.sendMessage('first');
    await waitFor(() => bodiesFrom(from).length === 1, 5000, 'first at courier');
    service.setCustomField('size', '42');
    await sleep(200);
    await service.sendMessage('second');
    await waitFor(() => bodiesFrom(from).length === 2, 5000, 'second at courier');
    await service.sendMessage('third');
    await waitFor(() => bodiesFrom(from).length === 3, 5000, 'third at courier');
    const [first, second, third] = bodiesFrom(from);
    assert.equal(first.message.text, 'first; Context: product page: shoes');
    assert.deepEqual(first.contact_fields, { plan: 'gold' });
    assert.equal(second.message.text, 'second; Context: product page: shoes');
    assert.deepEqual(second.contact_fields, { size: '42' });
    assert.equal(third.contact_fields, undefined);
    // The widget shows what the visitor wrote, not the forwarded text.
    assert.deepEqual(
      service
        .getMessages()
        .filter((m: any) => m.direction === 'outgoing')
        .map((m: any) => m.text),
      ['first', 'second', 'third'],
    );
    dispose(service);
  });

  it('External channel: the context goes in the text (courier EX reads only from, text, date); contact fields are not sent', async () => {
    const { service } = createService({ socketUrl: `127.0.0.1:${exGw.port}`, channelUuid: TEST_CHANNEL, host: ex.url });
    await init(service);
    const from = service.getSessionId();
    service.setContext('checkout');
    service.setCustomField('plan', 'gold');
    await service.sendMessage('help');
    await waitFor(() => ex.textsFrom(from).length === 1, 5000, 'at the EX platform');
    assert.deepEqual(ex.textsFrom(from), ['help; Context: checkout']);
    dispose(service);
  });
});
