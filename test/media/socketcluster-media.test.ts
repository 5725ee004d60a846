// Files with SocketCluster widgets: sendMessageToChannel {media} answered with {id, seq,
// media_url}; getHistory returns attachments; bot media from courier's WWC channel reaches the
// widget as `attachments: [{type, url}]` beside the text; the demo bot sends a file back;
// wg_media_bytes counts what the store holds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TokenJar, V9Widget, waitFor } from '../helpers/clients.js';
import { courierSend } from '../helpers/courier-wwc.js';
import { startGateway, TEST_CHANNEL, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { dataUrl, png, sha256 } from '../helpers/media-files.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

describe('files with SocketCluster widgets (demo bot)', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({ MAX_PAYLOAD: '256KiB', WEBHOOK_TOKEN: TEST_TOKEN });
  });
  after(async () => {
    await gw.stop();
  });

  it('answers sendMessageToChannel {media} with {id, seq, media_url} serving the same bytes, and the demo bot sends the file back as attachments', async () => {
    const w = new V9Widget(gw.port);
    const { urn } = await w.register();
    await w.subscribeAndWait(urn);
    const bytes = png(40, 40, [20, 160, 60]);
    const { err, data } = await w.sendAck({ userUrn: urn, media: dataUrl('image/png', bytes), text: 'a photo' });
    assert.equal(err, null);
    assert.deepEqual(Object.keys(data).sort(), ['id', 'media_url', 'seq']);
    const res = await fetch(data.media_url);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha256(bytes));
    await waitFor(() => w.received.length === 1, 5000, 'the demo bot reply');
    assert.deepEqual(w.received[0]!['attachments'], [{ type: 'image', url: data.media_url }]);
    assert.match(w.received[0]!.text, /image\/png/);

    const history = await w.emitAck('getHistory', {});
    const mine = history.data.messages.find((m: any) => m.direction === 'in');
    assert.deepEqual(mine.attachments, [{ type: 'image', url: data.media_url }]);
    assert.equal(mine.text, 'a photo');

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const m = /^wg_media_bytes (\d+)$/m.exec(metrics);
    assert.ok(m && Number(m[1]) >= bytes.length, 'wg_media_bytes counts the stored file');
    w.close();
  });

  it('answers a resent file (same clientMessageId) with the same id, seq and media_url, storing and sending it once', async () => {
    const w = new V9Widget(gw.port);
    const { urn } = await w.register();
    const bytes = png(24, 24, [200, 100, 0]);
    const send = { userUrn: urn, media: dataUrl('image/png', bytes), text: 'receipt', clientMessageId: 'pic-1' };
    const [a, b] = await Promise.all([w.sendAck(send), w.sendAck(send)]);
    const c = await w.sendAck(send);
    assert.equal(a.err, null);
    assert.deepEqual(b.data, a.data);
    assert.deepEqual(c.data, a.data);
    assert.equal(await gw.gateway.store.media.bytesSince(urn, 0), bytes.length, 'one stored file');
    const stored = await gw.gateway.store.readMessages(urn, { limit: 10 });
    assert.deepEqual(
      stored.filter((m) => m.direction === 'in').map((m) => [m.id, m.text]),
      [[a.data.id, 'receipt']],
    );
    const other = await w.sendAck({ ...send, text: 'another caption' });
    assert.equal(other.err?.name, 'WG_ERR_CLIENT_MESSAGE_ID_REUSED');
    w.close();
  });

  it("gives another tab of the session the visitor's file through history with its attachments, never as a live publish (which widgets would show as the bot's)", async () => {
    const jar = new TokenJar();
    const tabA = new V9Widget(gw.port, { jar });
    const { urn } = await tabA.register();
    await tabA.subscribeAndWait(urn);
    const tabB = new V9Widget(gw.port, { jar }); // same token: the same visitor in a second tab
    await tabB.subscribeAndWait(urn);
    const bytes = png(30, 20, [90, 30, 200]);
    const sent = await tabA.sendAck({ userUrn: urn, media: dataUrl('image/png', bytes), text: 'from tab A', clientMessageId: 'tab-a-1' });
    assert.equal(sent.err, null);
    // The demo bot's answer comes next in the session's order: anything published for the
    // visitor's own message would have reached tab B before it.
    await waitFor(() => tabB.received.length >= 1, 5000, 'the bot reply in tab B');
    assert.deepEqual(
      tabB.received.map((m) => m.seq),
      [sent.data.seq + 1],
    );
    // The seq gap is what tells a client (packages/client) to read history since what it held.
    const history = await tabB.emitAck('getHistory', { since: sent.data.seq - 1 });
    const mine = history.data.messages.find((m: any) => m.seq === sent.data.seq);
    assert.deepEqual(
      { direction: mine.direction, text: mine.text, attachments: mine.attachments, clientMessageId: mine.clientMessageId },
      { direction: 'in', text: 'from tab A', attachments: [{ type: 'image', url: sent.data.media_url }], clientMessageId: 'tab-a-1' },
    );
    const res = await fetch(mine.attachments[0].url);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha256(bytes));
    tabA.close();
    tabB.close();
  });

  it('refuses a file that is not what it claims with WG_ERR_INVALID_MEDIA, and a send with neither text nor media', async () => {
    const w = new V9Widget(gw.port);
    const { urn } = await w.register();
    const bad = await w.sendAck({ userUrn: urn, media: dataUrl('image/png', Buffer.from('<html><script>alert(1)</script></html>')) });
    assert.equal(bad.err?.name, 'WG_ERR_INVALID_MEDIA');
    const empty = await w.sendAck({ userUrn: urn });
    assert.equal(empty.err?.name, 'WG_ERR_INVALID_PAYLOAD');
    w.close();
  });

  it('delivers bot media from courier’s WWC channel to the widget as attachments [{type, url}] with the text', async () => {
    const w = new V9Widget(gw.port);
    const { urn } = await w.register();
    await w.subscribeAndWait(urn);
    const res = await courierSend(`${gw.url}/hooks/${TEST_TOKEN}`, {
      to: urn,
      channel_uuid: TEST_CHANNEL,
      message: { type: 'audio', timestamp: '1700000000', media_url: 'https://cdn.example.org/v.mp3', caption: 'listen' },
    });
    assert.equal(res.status, 200);
    await waitFor(() => w.received.length === 1, 5000, 'the bot file');
    assert.equal(w.received[0]!.text, 'listen');
    assert.deepEqual(w.received[0]!['attachments'], [{ type: 'audio', url: 'https://cdn.example.org/v.mp3' }]);
    w.close();
  });
});

// Two tabs of one session uploading at once: the budget is read and the file stored one upload at
// a time, so the session never ends up past MEDIA_BYTES_PER_HOUR. Redis makes every store call a
// real round trip, where a read-then-write without that order lets all six through.
describe('the hourly file budget with two tabs uploading at once (Redis store)', () => {
  const SIZE = 20_000;
  let redis: RedisServer;
  let gw: RunningGateway;
  before(async () => {
    redis = await startRedisServer();
    gw = await startGateway({ STORE_URL: redis.url, MAX_PAYLOAD: '256KiB', MEDIA_BYTES_PER_HOUR: String(3 * SIZE) });
  });
  after(async () => {
    await gw.stop();
    await redis.stop();
  });

  it('accepts exactly the files that fit and refuses the rest with WG_ERR_MEDIA_BUDGET', async () => {
    const jar = new TokenJar();
    const tabA = new V9Widget(gw.port, { jar });
    const { urn } = await tabA.register();
    const tabB = new V9Widget(gw.port, { jar }); // same token: the same visitor in a second tab
    await tabB.subscribeAndWait(urn);
    const media = (i: number) => dataUrl('image/png', png(8, 8, [i * 30, 9, 9], SIZE));
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? tabB : tabA).sendAck({ userUrn: urn, media: media(i) })));
    const accepted = results.filter((r) => r.err === null);
    const refused = results.filter((r) => r.err !== null).map((r) => r.err?.name);
    assert.equal(accepted.length, 3, JSON.stringify(refused));
    assert.deepEqual(refused, ['WG_ERR_MEDIA_BUDGET', 'WG_ERR_MEDIA_BUDGET', 'WG_ERR_MEDIA_BUDGET']);
    assert.equal(await gw.gateway.store.media.bytesSince(urn, 0), 3 * SIZE);
    tabA.close();
    tabB.close();
  });
});
