// Files from WWC visitors end to end: upload as a data URL -> ack with media_url -> the
// platform (courier WWC stand-in, courier External stand-in) gets a URL -> GET /media serves the
// same bytes with the headers that keep it inert. And the hostile files of issue 12.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/clients.js';
import type { CourierWwcStandIn } from '../helpers/courier-wwc.js';
import { startGateway, TEST_CHANNEL, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { dataUrl, HTML_PAGE, pdf, png, sha256, SVG_WITH_SCRIPT, wav } from '../helpers/media-files.js';
import { PlatformStandIn } from '../helpers/platform.js';
import { RawWwc } from '../helpers/wwc-clients.js';
import { newVisitor as visitor, startWwcGateway, type WwcGateway } from '../helpers/wwc-gateway.js';

const LIMIT = 256 * 1024;

describe('files from WWC visitors (courier WWC channel)', () => {
  let wwc: WwcGateway;
  let gw: RunningGateway;
  let courier: CourierWwcStandIn;
  let callback: string;
  let ws: string;
  before(async () => {
    wwc = await startWwcGateway({
      MAX_MEDIA_BYTES: String(LIMIT),
      MEDIA_BYTES_PER_HOUR: String(LIMIT * 3),
      PUBLIC_URL: 'http://127.0.0.1:1', // replaced below: the port is known only after start
    });
    ({ gw, courier, callback, ws } = wwc);
    gw.gateway.config.publicUrl = gw.url;
  });
  after(async () => {
    await wwc.stop();
  });

  async function registered(): Promise<{ c: RawWwc; from: string }> {
    const c = new RawWwc(ws);
    const from = visitor();
    const ready = await c.register(from, callback);
    assert.equal(ready.type, 'ready_for_message');
    return { c, from };
  }

  it('answers a PNG upload with an ack carrying media_url, posts that URL to courier, and serves the same bytes as image/png', async () => {
    const { c, from } = await registered();
    const bytes = png(200, 120);
    c.send({ type: 'message', message: { type: 'image', media: dataUrl('image/png', bytes) } });
    const ack = await c.next('ack');
    assert.equal(ack.to, from);
    assert.equal(ack.from, 'socket');
    assert.equal(ack.message.type, 'image');
    assert.match(ack.message.timestamp, /^\d+$/);
    const url: string = ack.message.media_url;
    assert.ok(url.startsWith(`${gw.url}/media/`), url);
    const id = new URL(url).pathname.split('/')[2]!;
    assert.ok(Buffer.from(id, 'base64url').length * 8 >= 120, `id ${id} has at least 120 random bits`);

    await waitFor(() => courier.received.some((r) => r.body.from === from), 5000, 'the file at courier');
    const posted = courier.received.find((r) => r.body.from === from)!.body;
    assert.deepEqual(Object.keys(posted.message).sort(), ['media_url', 'timestamp', 'type']);
    assert.equal(posted.message.type, 'image');
    assert.equal(posted.message.media_url, url);

    const res = await fetch(posted.message.media_url);
    assert.equal(res.status, 200);
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(sha256(body), sha256(bytes));
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.equal(res.headers.get('content-length'), String(bytes.length));
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('cache-control') ?? '', /^private, max-age=\d+$/);
    assert.doesNotMatch(res.headers.get('content-disposition') ?? '', /attachment/);
    c.close();
  });

  it('sends a caption with the file to courier and back in the ack', async () => {
    const { c, from } = await registered();
    c.send({ type: 'message', message: { type: 'file', media: dataUrl('application/pdf', pdf()), caption: 'my invoice' } });
    const ack = await c.next('ack');
    assert.equal(ack.message.caption, 'my invoice');
    await waitFor(() => courier.received.some((r) => r.body.from === from), 5000, 'the file at courier');
    const posted = courier.received.find((r) => r.body.from === from)!.body.message;
    assert.equal(posted.type, 'file');
    assert.equal(posted.caption, 'my invoice');
    const res = await fetch(posted.media_url);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="file\.pdf"$/);
    assert.match(res.headers.get('content-security-policy') ?? '', /sandbox/);
    c.close();
  });

  it('serves an uploaded SVG with a script only as a sandboxed download (never inline on the gateway origin)', async () => {
    const { c } = await registered();
    c.send({ type: 'message', message: { type: 'image', media: dataUrl('image/svg+xml', SVG_WITH_SCRIPT) } });
    const ack = await c.next('ack');
    const res = await fetch(ack.message.media_url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/svg+xml');
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment;/);
    assert.match(res.headers.get('content-security-policy') ?? '', /^sandbox; default-src 'none'$/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    c.close();
  });

  it('refuses hostile files with an error frame, stores and forwards nothing, and keeps the connection', async () => {
    const { c, from } = await registered();
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['HTML renamed .png', { type: 'image', media: dataUrl('image/png', HTML_PAGE) }, /WG_ERR_INVALID_MEDIA: could not decode media/],
      ['one byte over MAX_MEDIA_BYTES', { type: 'image', media: dataUrl('image/png', png(8, 8, [0, 0, 0], LIMIT + 1)) }, /WG_ERR_MEDIA_TOO_LARGE/],
      ['truncated base64', { type: 'image', media: dataUrl('image/png', png()).slice(0, -2) }, /WG_ERR_INVALID_MEDIA: could not decode media/],
      ['data URL lying about its type', { type: 'file', media: dataUrl('application/pdf', png()) }, /WG_ERR_INVALID_MEDIA/],
      ['unknown type', { type: 'file', media: dataUrl('application/x-msdownload', Buffer.from('MZ\x90\x00')) }, /WG_ERR_INVALID_MEDIA/],
      ['blank media', { type: 'image', media: '' }, /^invalid payload: blank media$/],
    ];
    for (const [, message] of cases) c.send({ type: 'message', message });
    for (let i = 0; i < cases.length; i++) {
      const err = await c.next('error', i + 1);
      assert.match(err.error, cases[i]![2], cases[i]![0]);
    }
    assert.equal(c.of('ack').length, 0);
    c.send({ type: 'message', message: { type: 'text', text: 'still here' } });
    await waitFor(() => courier.textsFrom(from).includes('still here'), 5000, 'the text after the refusals');
    assert.equal(courier.received.filter((r) => r.body.from === from).length, 1);
    assert.equal(c.closed, undefined);
    c.close();
  });

  it('refuses a large frame that is not a file (only files may pass MAX_PAYLOAD)', async () => {
    const { c } = await registered();
    c.send({ type: 'message', message: { type: 'text', text: 'x'.repeat(100 * 1024) } });
    const err = await c.next('error');
    assert.match(err.error, /MAX_PAYLOAD/);
    c.close();
  });

  it('stores and relays a resent file (same client_id, as after a lost ack) once: every ack names the same media_url; another caption under that id is refused', async () => {
    const { c, from } = await registered();
    const bytes = png(40, 30, [10, 200, 30]);
    const frame = { type: 'message', message: { type: 'image', media: dataUrl('image/png', bytes), caption: 'lid', client_id: 'up-1' } };
    c.send(frame);
    c.send(frame); // before the first ack: the store decides which one stored it
    await c.next('ack', 2);
    c.send(frame); // after: answered from the store
    const acks = [await c.next('ack', 3)].concat(c.of('ack').slice(0, 2));
    assert.deepEqual(new Set(acks.map((a) => a.message.media_url)).size, 1, JSON.stringify(acks));
    c.send({ type: 'message', message: { type: 'image', media: dataUrl('image/png', bytes), caption: 'other', client_id: 'up-1' } });
    assert.match((await c.next('error')).error, /WG_ERR_CLIENT_MESSAGE_ID_REUSED/);
    // The session's outbox is in order: once the text after the file is at courier, the file's posts are too.
    c.send({ type: 'message', message: { type: 'text', text: 'after the file' } });
    await waitFor(() => courier.textsFrom(from).includes('after the file'), 5000, 'the text after the file at courier');
    const posted = courier.received.filter((r) => r.body.from === from && r.body.message.type === 'image');
    assert.deepEqual(
      posted.map((r) => r.body.message.media_url),
      [acks[0]!.message.media_url],
    );
    assert.equal(await gw.gateway.store.media.bytesSince(from, 0), bytes.length, 'one stored file');
    const stored = await gw.gateway.store.readMessages(from, { limit: 10 });
    assert.deepEqual(
      stored.map((m) => m.text),
      ['lid', 'after the file'],
    );
    const res = await fetch(acks[0]!.message.media_url);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha256(bytes));
    c.close();
  });

  it('refuses uploads past MEDIA_BYTES_PER_HOUR for the session, with WG_ERR_MEDIA_BUDGET', async () => {
    const { c } = await registered();
    const big = dataUrl('image/png', png(8, 8, [9, 9, 9], LIMIT));
    for (let i = 0; i < 4; i++) c.send({ type: 'message', message: { type: 'image', media: big } });
    await c.next('ack', 3);
    const err = await c.next('error');
    assert.match(err.error, /WG_ERR_MEDIA_BUDGET/);
    assert.equal(c.of('ack').length, 3);
    c.close();
  });

  it('answers Range requests for audio with 206 and the exact slice; 404 for unknown ids', async () => {
    const { c } = await registered();
    const bytes = wav(0.5);
    c.send({ type: 'message', message: { type: 'audio', media: dataUrl('audio/wav', bytes) } });
    const url: string = (await c.next('ack')).message.media_url;
    const part = await fetch(url, { headers: { range: 'bytes=10-99' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 10-99/${bytes.length}`);
    assert.equal(part.headers.get('accept-ranges'), 'bytes');
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(10, 100)));
    const tail = await fetch(url, { headers: { range: `bytes=${bytes.length}-` } });
    assert.equal(tail.status, 416);
    await tail.arrayBuffer();
    const missing = await fetch(`${gw.url}/media/AAAAAAAAAAAAAAAAAAAAAAAA/x.png`);
    assert.equal(missing.status, 404);
    await missing.arrayBuffer();
    c.close();
  });

  it('returns the visitor’s files in get_history with their URLs', async () => {
    const { c, from } = await registered();
    c.send({ type: 'message', message: { type: 'image', media: dataUrl('image/png', png()), caption: 'look' } });
    const url: string = (await c.next('ack')).message.media_url;
    c.close();
    // History covers what was there when a connection registered: the next connection has it.
    const again = new RawWwc(ws);
    const ready = await again.register(from, callback);
    assert.equal(ready.data.history[0].message.media_url, url);
    again.send({ type: 'get_history', params: { limit: 10, page: 1 } });
    const h = await again.next('history');
    const item = h.history.find((i: any) => i.direction === 'out');
    assert.deepEqual(
      { type: item.message.type, media_url: item.message.media_url, caption: item.message.caption },
      { type: 'image', media_url: url, caption: 'look' },
    );
    again.close();
  });

  it('relays bot media from courier (message.media_url) to WWC visitors untouched', async () => {
    const { c, from } = await registered();
    const { courierSend } = await import('../helpers/courier-wwc.js');
    const res = await courierSend(`${gw.url}/hooks/${TEST_TOKEN}`, {
      to: from,
      channel_uuid: TEST_CHANNEL,
      message: { type: 'image', timestamp: '1700000000', media_url: 'https://cdn.example.org/a.png', caption: 'a product' },
    });
    assert.equal(res.status, 200);
    const m = await c.next('message');
    assert.equal(m.message.type, 'image');
    assert.equal(m.message.media_url, 'https://cdn.example.org/a.png');
    assert.equal(m.message.media, 'https://cdn.example.org/a.png', 'webchat-service reads media');
    assert.equal(m.message.caption, 'a product');
    c.close();
  });
});

describe('files from WWC visitors to courier External (EX) channels', () => {
  let gw: RunningGateway;
  let platform: PlatformStandIn;
  before(async () => {
    platform = await new PlatformStandIn().start();
    gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, PUBLIC_URL: 'https://chat.example.org' });
  });
  after(async () => {
    await gw.stop();
    await platform.stop();
  });

  it('sends the file URL (under PUBLIC_URL) in the text after the caption: courier External takes no attachments', async () => {
    const c = new RawWwc(`ws://127.0.0.1:${gw.port}/ws`);
    const from = visitor();
    await c.register(from, `${platform.url}/c/wwc/${TEST_CHANNEL}/receive`);
    c.send({ type: 'message', message: { type: 'image', media: dataUrl('image/png', png()), caption: 'broken lid' } });
    const ack = await c.next('ack');
    assert.match(ack.message.media_url, /^https:\/\/chat\.example\.org\/media\/[A-Za-z0-9_-]{24}\/image\.png$/);
    await waitFor(() => platform.received.some((r) => r.from === from), 5000, 'the message at the platform');
    assert.equal(platform.received.find((r) => r.from === from)!.text, `broken lid\n${ack.message.media_url}`);
    // Served here whatever the public host: the path is what counts.
    const res = await fetch(gw.url + new URL(ack.message.media_url).pathname);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    c.close();
  });

  it('admits a file of exactly the default MAX_MEDIA_BYTES (10 MiB) over /ws and refuses one byte more with an error frame, not a close', async () => {
    // Made before the socket opens: this process also runs the gateway, whose keep-alive must
    // not see a test that blocks the event loop for seconds as a dead client.
    const max = 10 * 1024 * 1024;
    const exact = png(8, 8, [5, 5, 5], max);
    const frames = [exact, png(8, 8, [5, 5, 5], max + 1)].map((b) =>
      JSON.stringify({ type: 'message', message: { type: 'image', media: dataUrl('image/png', b) } }),
    );
    const c = new RawWwc(`ws://127.0.0.1:${gw.port}/ws`);
    await c.register(visitor(), `${platform.url}/c/wwc/${TEST_CHANNEL}/receive`);
    c.send(frames[0]);
    const ack = await c.next('ack', 1, 20_000);
    const res = await fetch(gw.url + new URL(ack.message.media_url).pathname);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha256(exact));
    c.send(frames[1]);
    assert.match((await c.next('error', 1, 20_000)).error, /WG_ERR_MEDIA_TOO_LARGE/);
    assert.equal(c.closed, undefined);
    c.close();
  });
});

describe('files expire with the history', () => {
  it('answers 404 for a file older than HISTORY_MAX_AGE, and retention deletes it from the store', async () => {
    const platform = await new PlatformStandIn().start();
    const gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, HISTORY_MAX_AGE: '1s' });
    try {
      const c = new RawWwc(`ws://127.0.0.1:${gw.port}/ws`);
      await c.register(visitor(), `${platform.url}/c/wwc/${TEST_CHANNEL}/receive`);
      c.send({ type: 'message', message: { type: 'image', media: dataUrl('image/png', png()) } });
      const url: string = (await c.next('ack')).message.media_url;
      c.close();
      const fresh = await fetch(url);
      assert.equal(fresh.status, 200);
      await fresh.arrayBuffer();
      await new Promise((r) => setTimeout(r, 1100));
      const old = await fetch(url);
      assert.equal(old.status, 404);
      await old.arrayBuffer();
      // What the hourly retention run does with the files.
      assert.equal(await gw.gateway.store.media.prune(Date.now() - 1000), 1);
      assert.deepEqual(await gw.gateway.store.media.usage(), { items: 0, bytes: 0 });
    } finally {
      await gw.stop();
      await platform.stop();
    }
  });
});

describe('PUBLIC_URL behind a proxy', () => {
  it('refuses uploads with a clear error naming PUBLIC_URL when TRUSTED_PROXIES is set without it, and says so at start-up', async () => {
    const platform = await new PlatformStandIn().start();
    const lines: string[] = [];
    const gw = await startGateway(
      { PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, TRUSTED_PROXIES: '10.0.0.1', LOG_LEVEL: 'info' },
      { logTo: { write: (l) => void lines.push(l) } },
    );
    try {
      assert.ok(
        lines.some((l) => /PUBLIC_URL is not set behind a proxy/.test(l)),
        'start-up warning',
      );
      const c = new RawWwc(`ws://127.0.0.1:${gw.port}/ws`);
      await c.register(visitor(), `${platform.url}/c/wwc/${TEST_CHANNEL}/receive`);
      c.send({ type: 'message', message: { type: 'image', media: dataUrl('image/png', png()) } });
      assert.match((await c.next('error')).error, /WG_ERR_MEDIA_DISABLED: .*set PUBLIC_URL/);
      c.close();
    } finally {
      await gw.stop();
      await platform.stop();
    }
  });
});
