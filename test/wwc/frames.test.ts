import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sleep, waitFor } from '../helpers/clients.js';
import { startGateway, TEST_CHANNEL, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { PlatformStandIn, postToGateway } from '../helpers/platform.js';
import { RawWwc } from '../helpers/wwc-clients.js';

let n = 0;
const visitor = (): string => `${Date.now()}${++n}@shop.example.test`;

describe('WWC frames on /ws (raw WebSocket client)', () => {
  let gw: RunningGateway;
  let platform: PlatformStandIn;
  let callback: string;
  let ws: string;
  before(async () => {
    platform = await new PlatformStandIn().start();
    gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, MAX_PAYLOAD: '4KiB', DEFAULT_LANGUAGE: 'pt-BR' });
    callback = `${platform.url}/c/wwc/${TEST_CHANNEL}/receive`;
    ws = `ws://127.0.0.1:${gw.port}/ws`;
  });
  after(async () => {
    await gw.stop();
    await platform.stop();
  });

  it('answers register with ready_for_message carrying data.history, then ping with pong, and forwards text to the platform', async () => {
    const c = new RawWwc(ws);
    const from = visitor();
    const ready = await c.register(from, callback);
    assert.equal(ready.type, 'ready_for_message');
    assert.deepEqual(ready['data'].history, []);
    c.send({ type: 'ping', message: {} });
    await c.next('pong');
    c.send({ type: 'message', message: { type: 'text', text: 'hello gateway' }, context: '', from: 'someone-else@x' });
    await waitFor(() => platform.textsFrom(from).length === 1, 5000, 'message at the platform');
    assert.deepEqual(platform.textsFrom(from), ['hello gateway'], "sent as the registered identity, not the frame's from");
    c.close();
  });

  it("sends a register's trigger to the platform as the visitor's first text", async () => {
    const c = new RawWwc(ws);
    const from = visitor();
    assert.equal((await c.register(from, callback, { trigger: 'start flow' })).type, 'ready_for_message');
    await waitFor(() => platform.textsFrom(from).length === 1, 5000, 'trigger at the platform');
    assert.deepEqual(platform.textsFrom(from), ['start flow']);
    c.close();
  });

  it('accepts any path ending in /ws: //ws and /prefix/ws', async () => {
    for (const path of ['//ws', '/chat/prefix/ws']) {
      const c = new RawWwc(`ws://127.0.0.1:${gw.port}${path}`);
      const ready = await c.register(visitor(), callback);
      assert.equal(ready.type, 'ready_for_message', path);
      c.close();
    }
  });

  it('answers get_project_language from DEFAULT_LANGUAGE and verify_contact_timeout with allow_contact_timeout', async () => {
    const c = new RawWwc(ws);
    await c.register(visitor(), callback);
    c.send({ type: 'get_project_language' });
    assert.deepEqual((await c.next('project_language'))['data'], { language: 'pt-BR' });
    c.send({ type: 'verify_contact_timeout' });
    await c.next('allow_contact_timeout');
    c.close();
  });

  it('answers frames before register, unknown types, wrong field types, bad JSON, media and huge frames with error frames, and the connection and session stay', async () => {
    const c = new RawWwc(ws);
    await c.opened;
    c.send({ type: 'message', message: { type: 'text', text: 'too early' } });
    assert.equal((await c.next('error'))['error'], 'unable to redirect: id and url is blank');
    c.send({ type: 'register', from: 42, callback });
    assert.match((await c.next('error', 2))['error'], /^invalid payload: blank from, blank callback/);
    const from = visitor();
    await c.register(from, callback);
    const bad: Array<[unknown, RegExp]> = [
      [{ type: 'dance' }, /^invalid payload: invalid payload type$/],
      [{ type: 'message', message: 'x' }, /^invalid payload: message must be an object$/],
      [{ type: 'message', message: { type: 'text', text: 5 } }, /message\.text must be a string/],
      [{ type: 'message', message: { type: 'text', text: '' } }, /blank text/],
      [{ type: 'message', message: { type: 'image', media: 'data:image/png;base64,AAAA' } }, /WG_ERR_INVALID_MEDIA: could not decode media/],
      [{ type: 'get_history', params: { limit: 'ten' } }, /could not parse limit param/],
      [{ type: 42 }, /blank or non-string type/],
      ['{not json', /not JSON/],
      [[1, 2], /must be a JSON object/],
      [{ type: 'message', message: { type: 'text', text: 'x'.repeat(5000) } }, /the limit is 4096 \(MAX_PAYLOAD\)/],
    ];
    for (const [frame, re] of bad) {
      const k = c.of('error').length + 1;
      c.send(frame);
      assert.match((await c.next('error', k))['error'], re, JSON.stringify(frame).slice(0, 80));
    }
    assert.equal(c.closed, undefined, 'still connected');
    c.send({ type: 'message', message: { type: 'text', text: 'still here' } });
    await waitFor(() => platform.textsFrom(from).includes('still here'), 5000, 'message after the bad ones');
    c.close();
  });

  it('refuses a callback on a host that is not the platform, and never contacts it', async () => {
    let contacted = 0;
    const foreign = createServer((_req, res) => {
      contacted++;
      res.end('ok');
    });
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
    const port = (foreign.address() as AddressInfo).port;
    const c = new RawWwc(ws);
    const answer = await c.register(visitor(), `http://127.0.0.1:${port}/c/wwc/${TEST_CHANNEL}/receive`);
    assert.equal(answer.type, 'error');
    assert.match(answer['error'], /not allowed/);
    c.send({ type: 'message', message: { type: 'text', text: 'to nowhere' } });
    assert.equal((await c.next('error', 2))['error'], 'unable to redirect: id and url is blank', 'no session');
    const wrongPath = await c.register(visitor(), `${platform.url}/somewhere/else`);
    assert.match(wrongPath['error'], /callback must be/);
    await sleep(200);
    assert.equal(contacted, 0);
    foreign.close();
    c.close();
  });

  it('binds the token of the first register: another register of that from without it gets the exact "already exists" error and no session', async () => {
    const from = visitor();
    const owner = new RawWwc(ws);
    assert.equal((await owner.register(from, callback, { token: 's3cret' })).type, 'ready_for_message');
    const thief = new RawWwc(ws);
    const refused = await thief.register(from, callback);
    assert.deepEqual(refused, { type: 'error', error: 'unable to register: client from already exists' });
    const wrong = new RawWwc(ws);
    assert.equal((await wrong.register(from, callback, { token: 'guess' })).type, 'error');
    // close_session from a stranger does nothing to the owner.
    thief.send({ type: 'close_session', from, token: 'guess' });
    assert.match((await thief.next('error', 2))['error'], /token does not match/);
    const tab2 = new RawWwc(ws);
    assert.equal((await tab2.register(from, callback, { token: 's3cret' })).type, 'ready_for_message');
    await postToGateway(gw.url, { id: 'tok-1', text: 'for the owner', to: from }, { token: TEST_TOKEN });
    const [a, b] = await Promise.all([owner.next('message'), tab2.next('message')]);
    assert.equal(a['message'].text, 'for the owner');
    assert.equal(b['message'].text, 'for the owner');
    assert.equal(thief.of('message').length + wrong.of('message').length, 0);
    assert.equal(owner.closed, undefined);
    for (const c of [owner, thief, wrong, tab2]) c.close();
  });

  it('keeps a platform message for a visitor with no live connection and delivers it, in order, when they register again', async () => {
    const from = visitor();
    const first = new RawWwc(ws);
    await first.register(from, callback);
    first.close();
    await waitFor(() => first.closed !== undefined, 2000, 'closed');
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await postToGateway(gw.url, { id: `off-${from}-${i}`, text: `offline ${i}`, to: from, quick_replies: ['Yes', 'No'] }, { token: TEST_TOKEN })).status,
        200,
      );
    const back = new RawWwc(ws);
    const ready = await back.register(from, callback);
    assert.deepEqual(ready['data'].history, [], 'undelivered messages come as live frames, not history');
    await back.next('message', 3);
    const frames = back.of('message');
    assert.deepEqual(
      frames.map((f) => f['message'].text),
      ['offline 0', 'offline 1', 'offline 2'],
    );
    assert.ok(back.frames.indexOf(ready) < back.frames.indexOf(frames[0]!), 'replay after ready_for_message');
    const f = frames[0]!;
    assert.equal(f['to'], from);
    assert.equal(f['channel_uuid'], TEST_CHANNEL);
    assert.equal(f['message'].type, 'text');
    assert.deepEqual(f['message'].quick_replies, ['Yes', 'No']);
    assert.match(f['message'].timestamp, /^\d{10}$/);
    back.close();
  });

  it("gives a file courier's External channel appends to a text as a WWC file message, live and in the history of the next register", async () => {
    const from = visitor();
    const c = new RawWwc(ws);
    await c.register(from, callback);
    const text = 'Here is your invoice\nhttps://files.example.test/media/invoice.pdf';
    assert.equal((await postToGateway(gw.url, { id: `file-${from}`, text, to: from }, { token: TEST_TOKEN })).status, 200);
    const live = (await c.next('message'))['message'];
    assert.equal(live.type, 'file');
    assert.equal(live.media_url, 'https://files.example.test/media/invoice.pdf');
    assert.equal(live.media, live.media_url, 'webchat-service reads media');
    assert.equal(live.caption, 'Here is your invoice');
    // Proven by the WebSocket ping/pong that follows the frame; the next register's history has it.
    await sleep(300);
    c.close();
    const again = new RawWwc(ws);
    const history = (await again.register(from, callback))['data'].history;
    assert.equal(history[0].message.type, 'file');
    assert.equal(history[0].message.media_url, 'https://files.example.test/media/invoice.pdf');
    again.close();
  });

  it('serves get_history newest first with ID, seconds timestamps and WWC directions, without what replay sends', async () => {
    const from = visitor();
    const c = new RawWwc(ws);
    await c.register(from, callback);
    c.send({ type: 'message', message: { type: 'text', text: 'q1' } });
    await waitFor(() => platform.textsFrom(from).length === 1, 5000, 'q1 forwarded');
    await postToGateway(gw.url, { id: `h-${from}-1`, text: 'a1', to: from }, { token: TEST_TOKEN });
    await c.next('message');
    // Proven by the WebSocket ping/pong that follows the frame.
    await sleep(300);
    c.close();
    await postToGateway(gw.url, { id: `h-${from}-2`, text: 'a2 (offline)', to: from }, { token: TEST_TOKEN });
    const again = new RawWwc(ws);
    const ready = await again.register(from, callback);
    const texts = (items: any[]): string[] => items.map((h) => h.message.text);
    assert.deepEqual(texts(ready['data'].history), ['a1', 'q1']);
    again.send({ type: 'get_history', params: { limit: 20, page: 1 } });
    const history = (await again.next('history'))['history'];
    assert.deepEqual(texts(history), ['a1', 'q1'], 'history stops where replay starts');
    assert.deepEqual(
      history.map((h: any) => h.direction),
      ['in', 'out'],
    );
    assert.equal(history[0].ID, `h-${from}-1`);
    assert.equal(typeof history[0].timestamp, 'number');
    assert.ok(Math.abs(history[0].timestamp - Date.now() / 1000) < 60, 'seconds');
    assert.deepEqual((await again.next('message'))['message'].text, 'a2 (offline)');
    again.send({ type: 'get_history', params: { limit: '1', page: '2' } });
    assert.deepEqual(texts((await again.next('history', 2))['history']), ['q1']);
    again.close();
  });
});
